package sdk

import (
	"net/url"
	"slices"
	"testing"

	ps21 "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/models"
)

type (
	registry23  = models.HashicorpCloudPacker20230101Registry
	behaviour23 = models.HashicorpCloudPacker20230101RunTaskBehaviour
)

func (s *scenario2023) registryErr() (*registry23, error) {
	res, err := s.packer.PackerServiceGetRegistry(&ps.PackerServiceGetRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Registry, nil
}

func (s *scenario2023) registry(t *testing.T) *registry23 {
	t.Helper()
	r, err := s.registryErr()
	ok(t, "GetRegistry", err)
	if r == nil || r.Config == nil || !isULID(r.ID) {
		t.Fatalf("GetRegistry returned %+v", r)
	}
	return r
}

// wantActive asserts a registry's activation and remembers it for the cleanup.
func (s *scenario2023) wantActive(t *testing.T, what string, r *registry23, want bool) {
	t.Helper()
	if r == nil || r.Config == nil {
		t.Fatalf("%s: registry %+v, want activated=%v", what, r, want)
	}
	s.registryActive = r.Config.Activated
	if r.Config.Activated != want {
		t.Fatalf("%s: activated=%v, want %v", what, r.Config.Activated, want)
	}
}

func (s *scenario2023) getRegistry(t *testing.T) {
	r := s.registry(t)
	s.wantActive(t, "GetRegistry", r, true)
	if r.Location == nil || r.Location.OrganizationID != s.org || r.Location.ProjectID != s.proj {
		t.Fatalf("registry location = %+v, want %s/%s", r.Location, s.org, s.proj)
	}
	if r.Config.FeatureTier == nil || *r.Config.FeatureTier == models.HashicorpCloudPacker20230101RegistryConfigTierUNSET {
		t.Errorf("feature_tier = %v, want STANDARD or PLUS", r.Config.FeatureTier)
	}
}

func (s *scenario2023) createRegistryErr() (*registry23, error) {
	res, err := s.packer.PackerServiceCreateRegistry(&ps.PackerServiceCreateRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: &models.HashicorpCloudPacker20230101CreateRegistryBody{
			FeatureTier: models.HashicorpCloudPacker20230101RegistryConfigTierSTANDARD.Pointer()}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Registry, nil
}

func (s *scenario2023) createRegistryActive(t *testing.T) {
	_, err := s.createRegistryErr()
	wantRPC(t, err, 409, 6)
}

func (s *scenario2023) updateRegistry(t *testing.T, body models.HashicorpCloudPacker20230101UpdateRegistryBody) *registry23 {
	t.Helper()
	res, err := s.packer.PackerServiceUpdateRegistry(&ps.PackerServiceUpdateRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, Body: &body}, nil)
	ok(t, "UpdateRegistry", err)
	return res.Payload.Registry
}

func (s *scenario2023) updateRegistryTier(t *testing.T) {
	before := s.registry(t).Config.FeatureTier
	r := s.updateRegistry(t, models.HashicorpCloudPacker20230101UpdateRegistryBody{
		FeatureTier: models.HashicorpCloudPacker20230101RegistryConfigTierPLUS.Pointer(), UpdateMask: "featureTier"})
	s.wantActive(t, "UpdateRegistry(featureTier)", r, true)
	if r.Config.FeatureTier == nil || *r.Config.FeatureTier != models.HashicorpCloudPacker20230101RegistryConfigTierPLUS {
		t.Fatalf("feature_tier = %v, want PLUS", r.Config.FeatureTier)
	}
	if got := s.registry(t).Config.FeatureTier; got == nil || *got != models.HashicorpCloudPacker20230101RegistryConfigTierPLUS {
		t.Fatalf("feature_tier after GetRegistry = %v, want PLUS", got)
	}
	if before != nil {
		r = s.updateRegistry(t, models.HashicorpCloudPacker20230101UpdateRegistryBody{FeatureTier: before, UpdateMask: "featureTier"})
		if r.Config.FeatureTier == nil || *r.Config.FeatureTier != *before {
			t.Fatalf("feature_tier = %v, want %s back", r.Config.FeatureTier, *before)
		}
	}
}

func (s *scenario2023) runTaskConfig(t *testing.T) behaviour23 {
	t.Helper()
	res, err := s.packer.PackerServiceGetRunTaskConfig(&ps.PackerServiceGetRunTaskConfigParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "GetRunTaskConfig", err)
	if res.Payload.OnUntrackedImage == nil {
		t.Fatalf("GetRunTaskConfig answered no on_untracked_image")
	}
	return *res.Payload.OnUntrackedImage
}

func (s *scenario2023) setRunTaskConfig(value behaviour23) (behaviour23, error) {
	res, err := s.packer.PackerServiceUpdateRunTaskConfig(&ps.PackerServiceUpdateRunTaskConfigParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: &models.HashicorpCloudPacker20230101UpdateRunTaskConfigBody{OnUntrackedImage: value.Pointer()}}, nil)
	if err != nil {
		return "", err
	}
	if res.Payload.OnUntrackedImage == nil {
		return "", nil
	}
	return *res.Payload.OnUntrackedImage, nil
}

func (s *scenario2023) getRunTaskConfig(t *testing.T) {
	got := s.runTaskConfig(t)
	if !slices.Contains([]behaviour23{models.HashicorpCloudPacker20230101RunTaskBehaviourUNSET,
		models.HashicorpCloudPacker20230101RunTaskBehaviourFAIL, models.HashicorpCloudPacker20230101RunTaskBehaviourWARN}, got) {
		t.Fatalf("on_untracked_image = %q", got)
	}
	s.runTaskBefore = string(got)
}

func (s *scenario2023) updateRunTaskConfig(t *testing.T) {
	for _, value := range []behaviour23{models.HashicorpCloudPacker20230101RunTaskBehaviourFAIL,
		models.HashicorpCloudPacker20230101RunTaskBehaviourWARN, models.HashicorpCloudPacker20230101RunTaskBehaviourUNSET} {
		got, err := s.setRunTaskConfig(value)
		ok(t, "UpdateRunTaskConfig "+string(value), err)
		equal(t, "on_untracked_image answered", got, value)
		equal(t, "on_untracked_image after GetRunTaskConfig", s.runTaskConfig(t), value)
	}
	if s.runTaskBefore != "" {
		_, err := s.setRunTaskConfig(behaviour23(s.runTaskBefore))
		ok(t, "UpdateRunTaskConfig back", err)
	}
}

func (s *scenario2023) runTask(t *testing.T) *models.HashicorpCloudPacker20230101GetRegistryTFCRunTaskAPIResponse {
	t.Helper()
	res, err := s.packer.PackerServiceGetRegistryTFCRunTaskAPI(&ps.PackerServiceGetRegistryTFCRunTaskAPIParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, TaskType: "validation"}, nil)
	ok(t, "GetRegistryTFCRunTaskAPI", err)
	return res.Payload
}

func (s *scenario2023) getRunTask(t *testing.T) {
	rt := s.runTask(t)
	if u, err := url.Parse(rt.APIURL); err != nil || !u.IsAbs() || rt.HmacKey == "" {
		t.Fatalf("run task = api_url %q hmac_key %q, want an absolute URL and a key", rt.APIURL, rt.HmacKey)
	}
	s.hmacKey = rt.HmacKey
}

func (s *scenario2023) regenerateHmac(t *testing.T) {
	res, err := s.packer.PackerServiceRegenerateTFCRunTaskHmacKey(&ps.PackerServiceRegenerateTFCRunTaskHmacKeyParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "RegenerateTFCRunTaskHmacKey", err)
	key := res.Payload.HmacKey
	if key == "" || key == s.hmacKey {
		t.Fatalf("regenerated key %q, want a new non-empty key (was %q)", key, s.hmacKey)
	}
	equal(t, "hmac_key after regeneration", s.runTask(t).HmacKey, key)
	old, err := s.packer21.PackerServiceGetRegistryTFCRunTaskAPI(&ps21.PackerServiceGetRegistryTFCRunTaskAPIParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, TaskType: "validation"}, nil)
	ok(t, "2021 GetRegistryTFCRunTaskAPI", err)
	equal(t, "hmac_key through 2021-04-30", old.Payload.HmacKey, key)
}

func (s *scenario2023) deleteBucketErr(name string) error {
	_, err := s.packer.PackerServiceDeleteBucket(&ps.PackerServiceDeleteBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: name}, nil)
	return err
}

func (s *scenario2023) listBucketsErr() (*ps.PackerServiceListBucketsOK, error) {
	return s.packer.PackerServiceListBuckets(&ps.PackerServiceListBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
}

func (s *scenario2023) deleteBuckets(t *testing.T) {
	for _, name := range []string{s.child, s.bucket} {
		ok(t, "DeleteBucket "+name, s.deleteBucketErr(name))
		_, err := s.getBucketErr(name)
		wantRPC(t, err, 404, 5)
	}
	res, err := s.listBucketsErr()
	ok(t, "ListBuckets", err)
	for _, b := range res.Payload.Buckets {
		if b.Name == s.bucket || b.Name == s.child {
			t.Fatalf("deleted bucket %s is still listed", b.Name)
		}
	}
}

func (s *scenario2023) deleteRegistry(t *testing.T) *registry23 {
	t.Helper()
	res, err := s.packer.PackerServiceDeleteRegistry(&ps.PackerServiceDeleteRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "DeleteRegistry", err)
	return res.Payload.Registry
}

// deactivateRegistry: a delete deactivates the registry; its content is then unreachable.
func (s *scenario2023) deactivateRegistry(t *testing.T) {
	s.wantActive(t, "DeleteRegistry", s.deleteRegistry(t), false)
	s.wantActive(t, "GetRegistry after DeleteRegistry", s.registry(t), false)
	_, err := s.listBucketsErr()
	wantRPC(t, err, 400, 9)
}

func (s *scenario2023) activateRegistry(t *testing.T) {
	r := s.updateRegistry(t, models.HashicorpCloudPacker20230101UpdateRegistryBody{Activated: true, UpdateMask: "activated"})
	s.wantActive(t, "UpdateRegistry(activated)", r, true)
	s.wantActive(t, "GetRegistry", s.registry(t), true)
	_, err := s.listBucketsErr()
	ok(t, "ListBuckets after activation", err)
}

// deactivateByMask: activated=false is omitted from the generated body, so the
// mask "activated" alone has to carry it (field-mask semantics: a masked field
// absent from the body takes its zero value).
func (s *scenario2023) deactivateByMask(t *testing.T) {
	r := s.updateRegistry(t, models.HashicorpCloudPacker20230101UpdateRegistryBody{UpdateMask: "activated"})
	s.wantActive(t, "UpdateRegistry(update_mask=activated, activated omitted)", r, false)
	s.wantActive(t, "GetRegistry", s.registry(t), false)
}

// activateBySpecMask: the spec documents the mask path as "config.activated"
// ('Send ["config.activated",] if you want to activate or deactivate the registry').
func (s *scenario2023) activateBySpecMask(t *testing.T) {
	if s.registryActive {
		s.wantActive(t, "DeleteRegistry", s.deleteRegistry(t), false)
	}
	r := s.updateRegistry(t, models.HashicorpCloudPacker20230101UpdateRegistryBody{Activated: true, UpdateMask: "config.activated"})
	s.wantActive(t, "UpdateRegistry(update_mask=config.activated, activated=true)", r, true)
	s.wantActive(t, "GetRegistry", s.registry(t), true)
}

func (s *scenario2023) recreateRegistry(t *testing.T) {
	if s.registryActive {
		s.wantActive(t, "DeleteRegistry", s.deleteRegistry(t), false)
	}
	r, err := s.createRegistryErr()
	ok(t, "CreateRegistry after deactivation", err)
	s.wantActive(t, "CreateRegistry", r, true)
	s.wantActive(t, "GetRegistry", s.registry(t), true)
	_, err = s.listBucketsErr()
	ok(t, "ListBuckets after CreateRegistry", err)
}

// cleanup leaves the server usable even when the scenario stopped half-way.
func (s *scenario2023) cleanup(t *testing.T) {
	if r, err := s.registryErr(); err != nil || r == nil || r.Config == nil || !r.Config.Activated {
		if _, err := s.createRegistryErr(); err != nil {
			t.Logf("cleanup: CreateRegistry: %v", err)
		}
	}
	s.cleanupBlock(t)
	if s.runTaskBefore != "" {
		_, _ = s.setRunTaskConfig(behaviour23(s.runTaskBefore))
	}
	for _, name := range []string{s.child, s.bucket} {
		_ = s.deleteBucketErr(name)
	}
}
