package sdk

import (
	"context"
	"os"
	"testing"

	"github.com/go-openapi/strfmt"
	ps21 "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/client/packer_service"
)

// TestPacker20230101 runs the 2023-01-01 plane as one ordered scenario, the
// way TestPacker20210430 runs the 2021-04-30 one: a step builds on the state
// the steps before it left, so the scenario stops at the first failure, except
// after the steps listed as independent.
func TestPacker20230101(t *testing.T) {
	s := newScenario2023(t)
	t.Cleanup(func() { s.cleanup(t) })
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"CreateBucket", s.createBucket},
		{"GetBucket", s.getBucket},
		{"ListBuckets", s.listBuckets},
		{"UpdateBucket", s.updateBucket},
		{"ListChannels/ManagedLatest", s.managedLatest},
		{"GetVersion/UnknownFingerprint", s.getVersionUnknown},
		{"CreateVersion", s.createVersion},
		{"GetVersion", s.getVersion},
		{"ListVersions", s.listVersions},
		{"GetEnforcedBlocksByBucket", s.enforcedBlocks},
		{"CreateBuild", s.createBuilds},
		{"ListBuilds", s.listBuilds},
		{"GetBuild", s.getBuild},
		{"UpdateBuild", s.updateBuilds},
		{"CrossPlane/2021Reads", s.crossPlane},
		{"SecondVersion", s.secondVersion},
		{"CreateChannel", s.createChannels},
		{"UpdateChannel", s.updateChannel},
		{"UpdateChannel/ManagedLatest", s.updateLatest},
		{"GetChannel", s.getChannel},
		{"AssignChannelVersion", s.assignChannel},
		{"ListChannels", s.listChannels},
		{"ListChannelAssignmentHistory", s.channelHistory},
		{"SearchExternalArtifact", s.searchArtifact},
		{"UploadSbom", s.uploadSboms},
		{"ListSboms", s.listSboms},
		{"GetSbom", s.getSbom},
		{"ListBuildPackages", s.buildPackages},
		{"ListBucketPackages", s.bucketPackages},
		{"ListBucketVulnerabilities", s.bucketVulnerabilities},
		{"ListBucketPackagesWithVulnerabilities", s.packagesWithVulnerabilities},
		{"ListBucketPackagesVulnerabilitySummary", s.vulnerabilitySummary},
		{"CreateEnforcedBlock", s.createBlock},
		{"ListEnforcedBlocks", s.listBlocks},
		{"GetEnforcedBlock", s.getBlock},
		{"UpdateEnforcedBlock", s.updateBlock},
		{"CreateEnforcedBlockVersion", s.createBlockVersion},
		{"GetEnforcedBlockVersions", s.getBlockVersions},
		{"UpdateEnforcedBlockVersion", s.updateBlockVersion},
		{"ManageEnforcedBlockLinkedBuckets", s.manageLinks},
		{"GetEnforcedBlockLinkedBuckets", s.linkedBuckets},
		{"GetEnforcedBlocksByBucket/Linked", s.blocksByBucket},
		{"DeleteEnforcedBlockVersion", s.deleteBlockVersion},
		{"DeleteEnforcedBlock", s.deleteBlock},
		{"ListBucketAncestry", s.listBucketAncestry},
		{"GetBucket/AncestrySummary", s.ancestrySummary},
		{"UpdateBuild/ParentSetOnce", s.parentSetOnce},
		{"UpdateVersion/Revoke", s.revokeVersion},
		{"UpdateVersion/Restore", s.restoreVersion},
		{"UpdateVersion/RevokeWithoutRollback", s.revokeWithoutRollback},
		{"UpdateVersion/RevokeIn", s.scheduleRevocation},
		{"UpdateVersion/Complete", s.completeVersion},
		{"DeleteChannel", s.deleteChannel},
		{"DeleteBuild", s.deleteBuild},
		{"DeleteVersion", s.deleteVersion},
		{"GetRegistry", s.getRegistry},
		{"CreateRegistry/WhileActive", s.createRegistryActive},
		{"UpdateRegistry/FeatureTier", s.updateRegistryTier},
		{"GetRunTaskConfig", s.getRunTaskConfig},
		{"UpdateRunTaskConfig", s.updateRunTaskConfig},
		{"GetRegistryTFCRunTaskAPI", s.getRunTask},
		{"RegenerateTFCRunTaskHmacKey", s.regenerateHmac},
		{"DeleteBucket", s.deleteBuckets},
		{"DeleteRegistry/Deactivates", s.deactivateRegistry},
		{"UpdateRegistry/Activate", s.activateRegistry},
		{"UpdateRegistry/DeactivateByMask", s.deactivateByMask},
		{"UpdateRegistry/SpecMaskPath", s.activateBySpecMask},
		{"CreateRegistry/AfterDeactivation", s.recreateRegistry},
	}
	independent := map[string]bool{}
	for _, name := range []string{
		"CrossPlane/2021Reads",
		"SearchExternalArtifact",
		"ListSboms",
		"GetSbom",
		"ListBuildPackages",
		"ListBucketPackages",
		"ListBucketVulnerabilities",
		"ListBucketPackagesWithVulnerabilities",
		"ListBucketPackagesVulnerabilitySummary",
		"ListEnforcedBlocks",
		"GetEnforcedBlock",
		"UpdateEnforcedBlock",
		"GetEnforcedBlockVersions",
		"UpdateEnforcedBlockVersion",
		"GetEnforcedBlockLinkedBuckets",
		"GetEnforcedBlocksByBucket/Linked",
		"DeleteEnforcedBlockVersion",
		"DeleteEnforcedBlock",
		"UpdateChannel/ManagedLatest",
		"GetBucket/AncestrySummary",
		"UpdateBuild/ParentSetOnce",
		"UpdateVersion/Revoke",
		"UpdateVersion/Restore",
		"UpdateVersion/RevokeWithoutRollback",
		"UpdateVersion/RevokeIn",
		"UpdateVersion/Complete",
		"UpdateRegistry/FeatureTier",
		"GetRunTaskConfig",
		"UpdateRunTaskConfig",
		"UpdateRegistry/DeactivateByMask",
		"UpdateRegistry/SpecMaskPath",
	} {
		independent[name] = true
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) && !independent[step.name] {
			t.Fatalf("step %s failed; later steps depend on it", step.name)
		}
	}
}

// scenario2023 is the state the ordered 2023-01-01 steps share.
type scenario2023 struct {
	ctx       context.Context
	org, proj string
	packer    ps.ClientService
	packer21  ps21.ClientService // cross-plane reads of what this scenario wrote

	bucket, child string // bucket names, unique per run
	fp1, fp2, fp3 string // version fingerprints in the first bucket
	fpChild       string // child bucket, built from v1 through channel "production"
	fpRevokeChild string // child bucket, built from v3 (inherits its revocation)
	fpDelete      string // first bucket, deleted again
	v1, v2, v3    string // version ids
	vChild        string
	vRevokeChild  string
	builds        map[string]string // component type -> build id (v1)
	childBuild    string
	productionID  string // channel ids
	latestID      string

	// supply chain: SBOMs uploaded to v1's builds, an enforced block and its versions
	spdxDoc, cdxDoc    []byte
	sboms              map[string]string // SBOM name -> id
	blockID, blockName string
	blockV1, blockV2   string // enforced block version ids

	hmacKey        string
	runTaskBefore  string
	registryActive bool
}

func newScenario2023(t *testing.T) *scenario2023 {
	t.Helper()
	ctx, rt, run := connect(t)
	return &scenario2023{
		ctx:            ctx,
		org:            os.Getenv("HCP_ORGANIZATION_ID"),
		proj:           os.Getenv("HCP_PROJECT_ID"),
		packer:         ps.New(rt, strfmt.Default),
		packer21:       ps21.New(rt, strfmt.Default),
		bucket:         "sdk-go23-" + run,
		child:          "sdk-go23-" + run + "-child",
		fp1:            "v23fp1-" + run,
		fp2:            "v23fp2-" + run,
		fp3:            "v23fp3-" + run,
		fpChild:        "v23fpc-" + run,
		fpRevokeChild:  "v23fpr-" + run,
		fpDelete:       "v23fpd-" + run,
		builds:         map[string]string{},
		registryActive: true, // a bootstrapped project has an active registry
	}
}
