package sdk

import (
	"os"
	"testing"

	"github.com/go-openapi/strfmt"
	ws "github.com/hashicorp/hcp-sdk-go/clients/cloud-webhook/stable/2023-05-31/client/webhook_service"
	wm "github.com/hashicorp/hcp-sdk-go/clients/cloud-webhook/stable/2023-05-31/models"
)

// TestWebhooks drives cloud-webhook's generated client through a webhook's life against
// the receiver the Python side runs (PACKYARD_SDK_WEBHOOK_URL, tests/e2e/test_sdk_go.py):
// create (verified, so enabled), get, list, update by update_mask, rename, the delivery
// log, delete.
func TestWebhooks(t *testing.T) {
	url := os.Getenv("PACKYARD_SDK_WEBHOOK_URL")
	if url == "" {
		t.Fatal("PACKYARD_SDK_WEBHOOK_URL is not set (run tests/e2e/test_sdk_go.py)")
	}
	ctx, rt, run := connect(t)
	client := ws.New(rt, strfmt.Default)
	project := "project/" + os.Getenv("HCP_PROJECT_ID")
	enabled := true

	created, err := client.WebhookServiceCreateWebhook(
		ws.NewWebhookServiceCreateWebhookParamsWithContext(ctx).
			WithParentResourceName(project).
			WithBody(&wm.HashicorpCloudWebhookCreateWebhookRequestBody{
				Name:        "sdk-" + run,
				Description: "from the sdk",
				Enabled:     &enabled,
				Config:      &wm.HashicorpCloudWebhookWebhookConfig{URL: url, HmacKey: "sdk-key"},
				Subscriptions: []*wm.HashicorpCloudWebhookWebhookSubscription{{
					Events: []*wm.HashicorpCloudWebhookWebhookSubscriptionEvent{
						{Source: "hashicorp.packer.version", Action: "revoke"},
					},
				}},
			}), nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	hook := created.Payload.Webhook
	wantName := "webhook/" + project + "/geo/us/webhook/sdk-" + run
	if hook.ResourceName != wantName || !hook.Enabled || hook.Config.HmacKey != "" {
		t.Fatalf("create: %+v %+v", hook, hook.Config)
	}

	got, err := client.WebhookServiceGetWebhook(
		ws.NewWebhookServiceGetWebhookParamsWithContext(ctx).WithResourceName(hook.ResourceName), nil)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Payload.Webhook.Config.URL != url || got.Payload.Webhook.LastDelivery == nil ||
		got.Payload.Webhook.LastDelivery.Response.StatusCode != 200 {
		t.Fatalf("get: %+v", got.Payload.Webhook)
	}

	listed, err := client.WebhookServiceListWebhooks(
		ws.NewWebhookServiceListWebhooksParamsWithContext(ctx).WithParentResourceName(project), nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	found := false
	for _, item := range listed.Payload.Webhooks {
		found = found || item.ResourceID == hook.ResourceID
	}
	if !found {
		t.Fatalf("list: %s is not listed", hook.ResourceName)
	}

	updated, err := client.WebhookServiceUpdateWebhook(
		ws.NewWebhookServiceUpdateWebhookParamsWithContext(ctx).
			WithResourceName(hook.ResourceName).
			WithBody(&wm.HashicorpCloudWebhookUpdateWebhookRequestBody{
				UpdateMask: "description",
				Webhook:    &wm.HashicorpCloudWebhookWebhook{Description: "changed"},
			}), nil)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Payload.Webhook.Description != "changed" || !updated.Payload.Webhook.Enabled {
		t.Fatalf("update: %+v", updated.Payload.Webhook)
	}

	renamed, err := client.WebhookServiceUpdateWebhookName(
		ws.NewWebhookServiceUpdateWebhookNameParamsWithContext(ctx).
			WithResourceName(hook.ResourceName).
			WithBody(&wm.HashicorpCloudWebhookUpdateWebhookNameRequestBody{Name: "sdk-renamed-" + run}), nil)
	if err != nil {
		t.Fatalf("rename: %v", err)
	}
	name := renamed.Payload.Webhook.ResourceName
	if name != "webhook/"+project+"/geo/us/webhook/sdk-renamed-"+run {
		t.Fatalf("rename: %s", name)
	}

	deliveries, err := client.WebhookServiceListWebhookDeliveries(
		ws.NewWebhookServiceListWebhookDeliveriesParamsWithContext(ctx).WithParentResourceName(name), nil)
	if err != nil {
		t.Fatalf("deliveries: %v", err)
	}
	if len(deliveries.Payload.Deliveries) != 1 {
		t.Fatalf("deliveries: %d", len(deliveries.Payload.Deliveries))
	}
	delivery := deliveries.Payload.Deliveries[0]
	if delivery.Request.Payload.EventAction != "test" || delivery.Response.StatusCode != 200 ||
		delivery.Request.Headers["X-HCP-Webhook-Signature"] == "" || delivery.WebhookResourceID != hook.ResourceID {
		t.Fatalf("delivery: %+v %+v %+v", delivery, delivery.Request, delivery.Response)
	}

	if _, err := client.WebhookServiceDeleteWebhook(
		ws.NewWebhookServiceDeleteWebhookParamsWithContext(ctx).WithResourceName(name), nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = client.WebhookServiceGetWebhook(
		ws.NewWebhookServiceGetWebhookParamsWithContext(ctx).WithResourceName(name), nil)
	wantRPC(t, err, 404, 5)
}
