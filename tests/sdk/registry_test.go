package sdk

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/go-openapi/swag"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/models"
)

type tier = models.HashicorpCloudPackerRegistryConfigTier

func (s *scenario) registry(t *testing.T) *models.HashicorpCloudPackerRegistry {
	t.Helper()
	res, err := s.packer.PackerServiceGetRegistry(&ps.PackerServiceGetRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "GetRegistry", err)
	r := res.Payload.Registry
	if r == nil || r.Config == nil || !isULID(r.ID) {
		t.Fatalf("GetRegistry returned %+v", r)
	}
	return r
}

// wantActive asserts a registry's activation and remembers it for the cleanup.
func (s *scenario) wantActive(t *testing.T, what string, r *models.HashicorpCloudPackerRegistry, active bool) {
	t.Helper()
	if r == nil || r.Config == nil || r.Config.Activated != active {
		t.Fatalf("%s: registry %+v, want activated=%v", what, r, active)
	}
	s.registryActive = active
}

func (s *scenario) getRegistry(t *testing.T) {
	s.wantActive(t, "GetRegistry", s.registry(t), true)
}

func (s *scenario) createRegistry(tierValue tier) (*models.HashicorpCloudPackerRegistry, error) {
	res, err := s.packer.PackerServiceCreateRegistry(&ps.PackerServiceCreateRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: ps.PackerServiceCreateRegistryBody{FeatureTier: tierValue.Pointer()}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Registry, nil
}

func (s *scenario) createRegistryActive(t *testing.T) {
	_, err := s.createRegistry(models.HashicorpCloudPackerRegistryConfigTierSTANDARD)
	wantRPC(t, err, 409, 6)
}

func (s *scenario) updateRegistry(t *testing.T, body ps.PackerServiceUpdateRegistryBody) *models.HashicorpCloudPackerRegistry {
	t.Helper()
	res, err := s.packer.PackerServiceUpdateRegistry(&ps.PackerServiceUpdateRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, Body: body}, nil)
	ok(t, "UpdateRegistry", err)
	return res.Payload.Registry
}

func (s *scenario) updateRegistryTier(t *testing.T) {
	before := s.registry(t).Config.FeatureTier
	// activate=false is omitted from the generated body, so this only changes the tier.
	r := s.updateRegistry(t, ps.PackerServiceUpdateRegistryBody{
		FeatureTier: models.HashicorpCloudPackerRegistryConfigTierPLUS.Pointer()})
	s.wantActive(t, "UpdateRegistry(tier)", r, true)
	if r.Config.FeatureTier == nil || *r.Config.FeatureTier != models.HashicorpCloudPackerRegistryConfigTierPLUS {
		t.Fatalf("feature_tier = %v, want PLUS", r.Config.FeatureTier)
	}
	if before != nil {
		s.updateRegistry(t, ps.PackerServiceUpdateRegistryBody{FeatureTier: before})
	}
}

func (s *scenario) runTask(t *testing.T) *models.HashicorpCloudPackerGetRegistryTFCRunTaskAPIResponse {
	t.Helper()
	res, err := s.packer.PackerServiceGetRegistryTFCRunTaskAPI(&ps.PackerServiceGetRegistryTFCRunTaskAPIParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, TaskType: "validation"}, nil)
	ok(t, "GetRegistryTFCRunTaskAPI", err)
	return res.Payload
}

func (s *scenario) getRunTask(t *testing.T) {
	rt := s.runTask(t)
	if u, err := url.Parse(rt.APIURL); err != nil || !u.IsAbs() || rt.HmacKey == "" {
		t.Fatalf("run task = api_url %q hmac_key %q, want an absolute URL and a key", rt.APIURL, rt.HmacKey)
	}
	s.hmacKey = rt.HmacKey
}

func (s *scenario) regenerateHmac(t *testing.T) {
	res, err := s.packer.PackerServiceRegenerateTFCRunTaskHmacKey(&ps.PackerServiceRegenerateTFCRunTaskHmacKeyParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "RegenerateTFCRunTaskHmacKey", err)
	key := res.Payload.HmacKey
	if key == "" || key == s.hmacKey {
		t.Fatalf("regenerated key %q, want a new non-empty key (was %q)", key, s.hmacKey)
	}
	equal(t, "hmac_key after regeneration", s.runTask(t).HmacKey, key)
}

func (s *scenario) deleteBucket(slug string) error {
	_, err := s.packer.PackerServiceDeleteBucket(&ps.PackerServiceDeleteBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug}, nil)
	return err
}

func (s *scenario) deleteBuckets(t *testing.T) {
	for _, slug := range []string{s.child, s.bucket} {
		ok(t, "DeleteBucket "+slug, s.deleteBucket(slug))
		_, err := s.packer.PackerServiceGetBucket(&ps.PackerServiceGetBucketParams{
			Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug}, nil)
		wantRPC(t, err, 404, 5)
	}
	if slices.Contains(s.bucketSlugs(t), s.bucket) {
		t.Fatalf("deleted bucket %s is still listed", s.bucket)
	}
}

func (s *scenario) bucketSlugs(t *testing.T) []string {
	t.Helper()
	res, err := s.listBucketsErr()
	ok(t, "ListBuckets", err)
	var slugs []string
	for _, b := range res.Payload.Buckets {
		slugs = append(slugs, b.Slug)
	}
	return slugs
}

func (s *scenario) listBucketsErr() (*ps.PackerServiceListBucketsOK, error) {
	return s.packer.PackerServiceListBuckets(&ps.PackerServiceListBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
}

func (s *scenario) deleteRegistry(t *testing.T) *models.HashicorpCloudPackerRegistry {
	t.Helper()
	res, err := s.packer.PackerServiceDeleteRegistry(&ps.PackerServiceDeleteRegistryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, HardDelete: swag.Bool(false)}, nil)
	ok(t, "DeleteRegistry", err)
	answer, _ := json.Marshal(res.Payload)
	t.Logf("DeleteRegistry(hard_delete=false) answered %s", answer)
	s.registryActive = false
	return res.Payload.Registry
}

// deactivateRegistry: a soft delete is how HCP deactivates a registry (the
// generated UpdateRegistry body cannot carry activate=false).
func (s *scenario) deactivateRegistry(t *testing.T) {
	s.wantActive(t, "DeleteRegistry", s.deleteRegistry(t), false)
	s.wantActive(t, "GetRegistry after soft delete", s.registry(t), false)
	_, err := s.listBucketsErr()
	wantRPC(t, err, 400, 9)
}

func (s *scenario) activateRegistry(t *testing.T) {
	s.wantActive(t, "UpdateRegistry(activate)", s.updateRegistry(t, ps.PackerServiceUpdateRegistryBody{Activate: true}), true)
	s.bucketSlugs(t)
}

func (s *scenario) deleteThenCreateRegistry(t *testing.T) {
	s.wantActive(t, "DeleteRegistry", s.deleteRegistry(t), false)
	r, err := s.createRegistry(models.HashicorpCloudPackerRegistryConfigTierSTANDARD)
	ok(t, "CreateRegistry after soft delete", err)
	s.wantActive(t, "CreateRegistry", r, true)
	s.wantActive(t, "GetRegistry", s.registry(t), true)
	s.bucketSlugs(t)
}

// cleanup leaves the server usable even when the scenario stopped half-way.
func (s *scenario) cleanup(t *testing.T) {
	if !s.registryActive {
		if _, err := s.createRegistry(models.HashicorpCloudPackerRegistryConfigTierSTANDARD); err != nil {
			t.Logf("cleanup: CreateRegistry: %v", err)
		}
	}
	for _, slug := range []string{s.child, s.bucket} {
		_ = s.deleteBucket(slug)
	}
}
