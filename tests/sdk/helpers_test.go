// Package sdk drives a live Packyard through hcp-sdk-go's generated clients,
// configured from the environment exactly as Packer and Terraform configure them.
package sdk

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-resource-manager/stable/2019-12-10/client/organization_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-resource-manager/stable/2019-12-10/client/project_service"
	cloud "github.com/hashicorp/hcp-sdk-go/clients/cloud-shared/v1/models"
	"github.com/hashicorp/hcp-sdk-go/config"
	"github.com/hashicorp/hcp-sdk-go/httpclient"
)

// scenario is the state the ordered steps share.
type scenario struct {
	ctx       context.Context
	org, proj string
	packer    ps.ClientService
	orgs      organization_service.ClientService
	projects  project_service.ClientService

	bucket, child     string // bucket slugs, unique per run
	fp1, fp2, fp3     string // iteration fingerprints
	fpChild, fpRevoke string
	fpSchedule        string
	fpComplete        string
	it1, it2, it3     string // iteration ids
	itChild, itRevoke string
	builds            map[string]string // component type -> build id (iteration 1)
	channelID         string
	hmacKey           string
	registryActive    bool
}

// connect reads the whole configuration from the environment, as Packer and
// Terraform do, and answers the SDK transport, a deadline and a per-run suffix.
func connect(t *testing.T) (context.Context, *httptransport.Runtime, string) {
	t.Helper()
	for _, name := range []string{"HCP_API_ADDRESS", "HCP_AUTH_URL", "HCP_CLIENT_ID",
		"HCP_CLIENT_SECRET", "HCP_ORGANIZATION_ID", "HCP_PROJECT_ID"} {
		if os.Getenv(name) == "" {
			t.Fatalf("%s is not set: these tests need a live Packyard (run tests/e2e/test_sdk_go.py)", name)
		}
	}
	cfg, err := config.NewHCPConfig(config.FromEnv(), config.WithoutBrowserLogin())
	if err != nil {
		t.Fatalf("hcp config: %v", err)
	}
	rt, err := httpclient.New(httpclient.Config{HCPConfig: cfg, SourceChannel: "packyard-sdk-e2e"})
	if err != nil {
		t.Fatalf("hcp transport: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx, rt, strconv.FormatInt(time.Now().UnixNano(), 36)
}

// newScenario reads the whole configuration from the environment.
func newScenario(t *testing.T) *scenario {
	t.Helper()
	ctx, rt, run := connect(t)
	return &scenario{
		ctx:            ctx,
		org:            os.Getenv("HCP_ORGANIZATION_ID"),
		proj:           os.Getenv("HCP_PROJECT_ID"),
		packer:         ps.New(rt, strfmt.Default),
		orgs:           organization_service.New(rt, strfmt.Default),
		projects:       project_service.New(rt, strfmt.Default),
		bucket:         "sdk-go-" + run,
		child:          "sdk-go-" + run + "-child",
		fp1:            "fp1-" + run,
		fp2:            "fp2-" + run,
		fp3:            "fp3-" + run,
		fpChild:        "fpc-" + run,
		fpRevoke:       "fpr-" + run,
		fpSchedule:     "fps-" + run,
		fpComplete:     "fpx-" + run,
		builds:         map[string]string{},
		registryActive: true, // a bootstrapped project has an active registry
	}
}

// rpcError is what every generated *Default error response implements.
type rpcError interface {
	error
	Code() int
	GetPayload() *cloud.GoogleRPCStatus
}

// packerCode is the regex Packer ≥ 1.10 applies to error text to find the gRPC code.
var packerCode = regexp.MustCompile(`[Cc]ode"?:([0-9]+)`)

// wantRPC asserts err is an API error with this HTTP status and gRPC code,
// readable both from the payload and the way Packer reads it from the text.
func wantRPC(t *testing.T, err error, status int, code int32) {
	t.Helper()
	if err == nil {
		t.Fatalf("want HTTP %d code %d, got success", status, code)
	}
	var e rpcError
	if !errors.As(err, &e) {
		t.Fatalf("want HTTP %d code %d, got %T: %v", status, code, err, err)
	}
	if e.Code() != status || e.GetPayload() == nil || e.GetPayload().Code != code {
		t.Fatalf("want HTTP %d code %d, got: %v", status, code, err)
	}
	if m := packerCode.FindStringSubmatch(err.Error()); m == nil || m[1] != strconv.Itoa(int(code)) {
		t.Fatalf("Packer's regex does not read code %d from %q", code, err.Error())
	}
	if e.GetPayload().Message == "" {
		t.Errorf("error without a message: %v", err)
	}
}

// ok fails the step on an unexpected error.
func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func isULID(s string) bool { return len(s) == 26 }

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
