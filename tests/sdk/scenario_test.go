package sdk

import "testing"

// TestPacker20210430 runs one ordered scenario: steps build on the state the
// steps before them left, so the scenario stops at the first failure, except
// after the UpdateIteration steps, which each work on an iteration nothing else uses.
func TestPacker20210430(t *testing.T) {
	s := newScenario(t)
	t.Cleanup(func() { s.cleanup(t) })
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"ResourceManager/ListOrganizations", s.listOrganizations},
		{"ResourceManager/ListProjects", s.listProjects},
		{"ResourceManager/GetProject", s.getProject},
		{"CreateBucket", s.createBucket},
		{"GetBucket", s.getBucket},
		{"ListBuckets", s.listBuckets},
		{"UpdateBucket", s.updateBucket},
		{"GetIteration/UnknownFingerprint", s.getIterationUnknown},
		{"CreateIteration", s.createIteration},
		{"GetIteration", s.getIteration},
		{"ListIterations", s.listIterations},
		{"CreateBuild", s.createBuilds},
		{"ListBuilds", s.listBuilds},
		{"GetBuild", s.getBuild},
		{"UpdateBuild", s.updateBuilds},
		{"SecondIteration", s.secondIteration},
		{"CreateChannel", s.createChannel},
		{"UpdateChannel", s.updateChannel},
		{"GetChannel", s.getChannel},
		{"ListChannels", s.listChannels},
		{"ListChannelHistory", s.listChannelHistory},
		{"UpdateIteration/Revoke", s.revokeIteration},
		{"UpdateIteration/Restore", s.restoreIteration},
		{"UpdateIteration/RevokeIn", s.scheduleRevocation},
		{"ListBucketAncestry", s.listBucketAncestry},
		{"DeleteChannel", s.deleteChannel},
		{"DeleteBuild", s.deleteBuild},
		{"DeleteIteration", s.deleteIteration},
		{"UpdateIteration/Complete", s.completeIteration},
		{"GetRegistry", s.getRegistry},
		{"CreateRegistry/WhileActive", s.createRegistryActive},
		{"UpdateRegistry/FeatureTier", s.updateRegistryTier},
		{"GetRegistryTFCRunTaskAPI", s.getRunTask},
		{"RegenerateTFCRunTaskHmacKey", s.regenerateHmac},
		{"DeleteBucket", s.deleteBuckets},
		{"DeleteRegistry/Deactivates", s.deactivateRegistry},
		{"UpdateRegistry/Activate", s.activateRegistry},
		{"DeleteRegistry/ThenCreateRegistry", s.deleteThenCreateRegistry},
	}
	independent := map[string]bool{
		"UpdateIteration/Revoke": true, "UpdateIteration/Restore": true, "UpdateIteration/RevokeIn": true,
		"UpdateIteration/Complete": true,
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) && !independent[step.name] {
			t.Fatalf("step %s failed; later steps depend on it", step.name)
		}
	}
}
