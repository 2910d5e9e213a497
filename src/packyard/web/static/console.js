// Progressive enhancement only: every page works without this script.
// A destructive action's button stays disabled until its name is typed exactly.
document.querySelectorAll("input[data-confirm]").forEach((input) => {
  const button = input.form && input.form.querySelector("button[type=submit]:not([disabled])");
  if (!button) return;
  const check = () => { button.disabled = input.value.trim() !== input.dataset.confirm; };
  input.addEventListener("input", check);
  check();
});
// The revoke dialog: choosing a date or a duration selects that option.
for (const [field, option] of [["at", "when-at"], ["in", "when-in"]]) {
  const input = document.getElementById(field);
  const radio = document.getElementById(option);
  if (input && radio) input.addEventListener("focus", () => { radio.checked = true; });
}
