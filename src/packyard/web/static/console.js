// Progressive enhancement only: every page works without this script.
// A destructive action's button stays disabled until its name is typed exactly.
const holdUntilConfirmed = (root) => root.querySelectorAll("input[data-confirm]").forEach((input) => {
  const button = input.form && input.form.querySelector("button[type=submit]:not([disabled])");
  if (!button) return;
  const check = () => { button.disabled = input.value.trim() !== input.dataset.confirm; };
  input.addEventListener("input", check);
  check();
});
holdUntilConfirmed(document);
// The revoke dialog: choosing a date or a duration selects that option.
for (const [field, option] of [["at", "when-at"], ["in", "when-in"]]) {
  const input = document.getElementById(field);
  const radio = document.getElementById(option);
  if (input && radio) input.addEventListener("focus", () => { radio.checked = true; });
}
// The revoke dialog's preview, in place: as its options change, the dialog asks the server for
// the preview (the same page the Preview button opens, so the same plan) and shows it here,
// with the confirmation and the Revoke button it comes with. Nothing is written until then.
const revokeForm = document.getElementById("revoke-form");
const slot = document.getElementById("preview-slot");
const status = document.getElementById("preview-status");
if (revokeForm && slot && status && window.fetch && window.DOMParser) {
  let asked = 0;
  let timer;
  const refresh = async () => {
    const mine = ++asked;
    status.textContent = "Working out what this will do…";
    const query = new URLSearchParams(new FormData(revokeForm));
    let html;
    try {
      const answer = await fetch(revokeForm.action + "?" + query, { credentials: "same-origin" });
      html = await answer.text();
    } catch (failed) {
      if (mine === asked) status.textContent = "The preview could not be fetched; use Preview.";
      return;
    }
    if (mine !== asked) return;
    const found = new DOMParser().parseFromString(html, "text/html");
    const plan = found.getElementById("preview-result");
    const refused = found.querySelector("main .error");
    slot.replaceChildren();
    if (plan) {
      slot.append(document.adoptNode(plan));
      holdUntilConfirmed(slot);
      status.textContent = "The preview below is for the options above.";
    } else {
      const message = document.createElement("p");
      message.className = "error";
      message.textContent = refused ? refused.textContent : "The preview could not be made.";
      slot.append(message);
      status.textContent = "No preview for these options.";
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  revokeForm.addEventListener("change", soon);
  revokeForm.addEventListener("input", soon);
  if (!slot.querySelector("#preview-result")) refresh();
}
