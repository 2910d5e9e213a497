package sdk

import (
	"os"
	"testing"

	"github.com/go-openapi/strfmt"
	sps "github.com/hashicorp/hcp-sdk-go/clients/cloud-iam/stable/2019-12-10/client/service_principals_service"
	iam "github.com/hashicorp/hcp-sdk-go/clients/cloud-iam/stable/2019-12-10/models"
)

// TestWorkloadIdentityProviders drives cloud-iam's generated client through a provider's
// life on a project-level principal (PACKYARD_SDK_WIP_PRINCIPAL, made by the Python side):
// create, get, list, update by update_mask, delete.
func TestWorkloadIdentityProviders(t *testing.T) {
	principal := os.Getenv("PACKYARD_SDK_WIP_PRINCIPAL")
	if principal == "" {
		t.Fatal("PACKYARD_SDK_WIP_PRINCIPAL is not set (run tests/e2e/test_sdk_go.py)")
	}
	ctx, rt, run := connect(t)
	client := sps.New(rt, strfmt.Default)
	parent := "iam/project/" + os.Getenv("HCP_PROJECT_ID") + "/service-principal/" + principal
	name := "sdk-" + run

	created, err := client.ServicePrincipalsServiceCreateWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceCreateWorkloadIdentityProviderParamsWithContext(ctx).
			WithParentResourceName(parent).
			WithBody(sps.ServicePrincipalsServiceCreateWorkloadIdentityProviderBody{
				Name: name,
				Provider: &iam.HashicorpCloudIamWorkloadIdentityProvider{
					OidcConfig: &iam.HashicorpCloudIamOIDCWorkloadIdentityProviderConfig{
						IssuerURI:        "https://token.actions.githubusercontent.com",
						AllowedAudiences: []string{"packyard"},
					},
					ConditionalAccess: `jwt_claims.repository == "acme/app"`,
					Description:       "sdk",
				},
			}), nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	resourceName := created.Payload.Provider.ResourceName
	if resourceName != parent+"/workload-identity-provider/"+name {
		t.Fatalf("resource name %q", resourceName)
	}

	got, err := client.ServicePrincipalsServiceGetWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceGetWorkloadIdentityProviderParamsWithContext(ctx).
			WithResourceName2(resourceName), nil)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Payload.Provider.OidcConfig.IssuerURI != "https://token.actions.githubusercontent.com" ||
		got.Payload.Provider.CreatedAt == nil {
		t.Fatalf("get: %+v", got.Payload.Provider)
	}

	listed, err := client.ServicePrincipalsServiceListWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceListWorkloadIdentityProviderParamsWithContext(ctx).
			WithParentResourceName(parent), nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(listed.Payload.Providers) != 1 || listed.Payload.Providers[0].ResourceName != resourceName {
		t.Fatalf("list: %+v", listed.Payload.Providers)
	}

	mask := "conditional_access"
	updated, err := client.ServicePrincipalsServiceUpdateWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceUpdateWorkloadIdentityProviderParamsWithContext(ctx).
			WithProviderResourceName(resourceName).
			WithUpdateMask(&mask).
			WithProvider(sps.ServicePrincipalsServiceUpdateWorkloadIdentityProviderBody{
				ConditionalAccess: `jwt_claims.repository == "acme/other"`,
				Description:       "not in the mask",
			}), nil)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Payload.Provider.ConditionalAccess != `jwt_claims.repository == "acme/other"` ||
		updated.Payload.Provider.Description != "sdk" {
		t.Fatalf("update: %+v", updated.Payload.Provider)
	}

	if _, err := client.ServicePrincipalsServiceDeleteWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceDeleteWorkloadIdentityProviderParamsWithContext(ctx).
			WithResourceName4(resourceName), nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = client.ServicePrincipalsServiceGetWorkloadIdentityProvider(
		sps.NewServicePrincipalsServiceGetWorkloadIdentityProviderParamsWithContext(ctx).
			WithResourceName2(resourceName), nil)
	wantRPC(t, err, 404, 5)
}
