package sdk

import (
	"slices"
	"testing"

	"github.com/go-openapi/swag"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/models"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-resource-manager/stable/2019-12-10/client/organization_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-resource-manager/stable/2019-12-10/client/project_service"
	rmmodels "github.com/hashicorp/hcp-sdk-go/clients/cloud-resource-manager/stable/2019-12-10/models"
)

var components = []string{"amazon-ebs.ubuntu", "docker.base"}

func (s *scenario) listOrganizations(t *testing.T) {
	res, err := s.orgs.OrganizationServiceList(&organization_service.OrganizationServiceListParams{Context: s.ctx}, nil)
	ok(t, "ListOrganizations", err)
	orgs := res.Payload.Organizations
	if len(orgs) != 1 || orgs[0].ID != s.org {
		t.Fatalf("want exactly organization %s, got %+v", s.org, orgs)
	}
	if orgs[0].State == nil || *orgs[0].State != rmmodels.HashicorpCloudResourcemanagerOrganizationOrganizationStateACTIVE {
		t.Errorf("organization state = %v, want ACTIVE", orgs[0].State)
	}
}

func (s *scenario) listProjects(t *testing.T) {
	res, err := s.projects.ProjectServiceList(&project_service.ProjectServiceListParams{
		Context: s.ctx, ScopeType: swag.String("ORGANIZATION"), ScopeID: swag.String(s.org)}, nil)
	ok(t, "ListProjects", err)
	found := false
	for _, p := range res.Payload.Projects {
		if p.Parent == nil || p.Parent.ID != s.org {
			t.Errorf("project %s has parent %+v, want organization %s", p.ID, p.Parent, s.org)
		}
		found = found || p.ID == s.proj
	}
	if !found {
		t.Fatalf("project %s not listed: %+v", s.proj, res.Payload.Projects)
	}
}

func (s *scenario) getProject(t *testing.T) {
	res, err := s.projects.ProjectServiceGet(&project_service.ProjectServiceGetParams{Context: s.ctx, ID: s.proj}, nil)
	ok(t, "GetProject", err)
	p := res.Payload.Project
	if p == nil || p.ID != s.proj || p.Parent == nil || p.Parent.ID != s.org {
		t.Fatalf("GetProject = %+v, want id %s with parent %s", p, s.proj, s.org)
	}
	if p.Parent.Type == nil || *p.Parent.Type != rmmodels.HashicorpCloudResourcemanagerResourceIDResourceTypeORGANIZATION {
		t.Errorf("parent type = %v, want ORGANIZATION", p.Parent.Type)
	}
}

func (s *scenario) createBucketNamed(t *testing.T, slug string) *models.HashicorpCloudPackerBucket {
	t.Helper()
	res, err := s.packer.PackerServiceCreateBucket(&ps.PackerServiceCreateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: ps.PackerServiceCreateBucketBody{BucketSlug: slug, Description: "from hcp-sdk-go",
			Labels: map[string]string{"os": "ubuntu"}},
	}, nil)
	ok(t, "CreateBucket "+slug, err)
	b := res.Payload.Bucket
	equal(t, "bucket slug", b.Slug, slug)
	if !isULID(b.ID) || b.Labels["os"] != "ubuntu" || b.Description != "from hcp-sdk-go" {
		t.Fatalf("CreateBucket returned %+v", b)
	}
	if b.CreatedAt.String() == "" || b.CreatedAt.IsZero() {
		t.Errorf("bucket created_at unset")
	}
	return b
}

func (s *scenario) createBucket(t *testing.T) {
	s.createBucketNamed(t, s.bucket)
	// Packer 1.9 creates first and falls back to UpdateBucket on code 6.
	_, err := s.packer.PackerServiceCreateBucket(&ps.PackerServiceCreateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: ps.PackerServiceCreateBucketBody{BucketSlug: s.bucket},
	}, nil)
	wantRPC(t, err, 409, 6)
}

func (s *scenario) getBucketPayload(t *testing.T, slug string) *models.HashicorpCloudPackerBucket {
	t.Helper()
	res, err := s.packer.PackerServiceGetBucket(&ps.PackerServiceGetBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug}, nil)
	ok(t, "GetBucket "+slug, err)
	return res.Payload.Bucket
}

func (s *scenario) getBucket(t *testing.T) {
	b := s.getBucketPayload(t, s.bucket)
	equal(t, "slug", b.Slug, s.bucket)
	equal(t, "iteration_count", b.IterationCount, "0")
	equal(t, "labels.os", b.Labels["os"], "ubuntu")
}

func (s *scenario) listBuckets(t *testing.T) {
	res, err := s.packer.PackerServiceListBuckets(&ps.PackerServiceListBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "ListBuckets", err)
	if !slices.ContainsFunc(res.Payload.Buckets, func(b *models.HashicorpCloudPackerBucket) bool { return b.Slug == s.bucket }) {
		t.Fatalf("bucket %s not listed", s.bucket)
	}
	if res.Payload.Pagination == nil {
		t.Errorf("ListBuckets answered no pagination object")
	}
}

func (s *scenario) updateBucket(t *testing.T) {
	res, err := s.packer.PackerServiceUpdateBucket(&ps.PackerServiceUpdateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket,
		Body: ps.PackerServiceUpdateBucketBody{Description: "updated", Labels: map[string]string{"os": "debian", "team": "infra"}},
	}, nil)
	ok(t, "UpdateBucket", err)
	b := res.Payload.Bucket
	if b.Description != "updated" || b.Labels["os"] != "debian" || b.Labels["team"] != "infra" {
		t.Fatalf("UpdateBucket returned %+v", b)
	}
	equal(t, "description after GetBucket", s.getBucketPayload(t, s.bucket).Description, "updated")
}

func (s *scenario) iteration(t *testing.T, slug string, p ps.PackerServiceGetIterationParams) *models.HashicorpCloudPackerIteration {
	t.Helper()
	p.Context, p.LocationOrganizationID, p.LocationProjectID, p.BucketSlug = s.ctx, s.org, s.proj, slug
	res, err := s.packer.PackerServiceGetIteration(&p, nil)
	ok(t, "GetIteration", err)
	return res.Payload.Iteration
}

func (s *scenario) getIterationUnknown(t *testing.T) {
	_, err := s.packer.PackerServiceGetIteration(&ps.PackerServiceGetIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket,
		Fingerprint: swag.String(s.fp1)}, nil)
	wantRPC(t, err, 409, 10) // the only answer on which Packer creates the iteration
}

func (s *scenario) newIteration(t *testing.T, slug, fingerprint string) string {
	t.Helper()
	res, err := s.packer.PackerServiceCreateIteration(&ps.PackerServiceCreateIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug,
		Body: ps.PackerServiceCreateIterationBody{Fingerprint: fingerprint,
			TemplateType: models.HashicorpCloudPackerIterationTemplateTypeHCL2.Pointer()},
	}, nil)
	ok(t, "CreateIteration", err)
	it := res.Payload.Iteration
	if !isULID(it.ID) || it.Fingerprint != fingerprint || it.Complete || it.IncrementalVersion != 0 || it.BucketSlug != slug {
		t.Fatalf("CreateIteration returned %+v", it)
	}
	return it.ID
}

func (s *scenario) createIteration(t *testing.T) {
	s.it1 = s.newIteration(t, s.bucket, s.fp1)
}

func (s *scenario) getIteration(t *testing.T) {
	byFP := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{Fingerprint: swag.String(s.fp1)})
	equal(t, "id by fingerprint", byFP.ID, s.it1)
	byID := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.it1)})
	equal(t, "fingerprint by id", byID.Fingerprint, s.fp1)
	equal(t, "complete", byID.Complete, false)
	if byID.TemplateType == nil || *byID.TemplateType != models.HashicorpCloudPackerIterationTemplateTypeHCL2 {
		t.Errorf("template_type = %v, want HCL2", byID.TemplateType)
	}
}

func (s *scenario) listIterations(t *testing.T) {
	res, err := s.packer.PackerServiceListIterations(&ps.PackerServiceListIterationsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket}, nil)
	ok(t, "ListIterations", err)
	its := res.Payload.Iterations
	if len(its) != 1 || its[0].ID != s.it1 || its[0].Fingerprint != s.fp1 {
		t.Fatalf("ListIterations = %+v, want just %s", its, s.it1)
	}
}

func (s *scenario) newBuild(t *testing.T, slug, iteration, fingerprint, component string) (*models.HashicorpCloudPackerBuild, error) {
	t.Helper()
	res, err := s.packer.PackerServiceCreateBuild(&ps.PackerServiceCreateBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug, IterationID: iteration,
		Body: ps.PackerServiceCreateBuildBody{Fingerprint: fingerprint, Build: &models.HashicorpCloudPackerBuildCreateBody{
			ComponentType: component, PackerRunUUID: "6f1c2a9e-0000-4000-8000-000000000001",
			Status: models.HashicorpCloudPackerBuildStatusUNSET.Pointer()}},
	}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Build, nil
}

func (s *scenario) createBuilds(t *testing.T) {
	for _, c := range components {
		b, err := s.newBuild(t, s.bucket, s.it1, s.fp1, c)
		ok(t, "CreateBuild "+c, err)
		if !isULID(b.ID) || b.ComponentType != c || b.IterationID != s.it1 || b.Status == nil ||
			*b.Status != models.HashicorpCloudPackerBuildStatusUNSET {
			t.Fatalf("CreateBuild returned %+v", b)
		}
		s.builds[c] = b.ID
	}
	_, err := s.newBuild(t, s.bucket, s.it1, s.fp1, components[0])
	wantRPC(t, err, 409, 6) // Packer tolerates exactly this
}

func (s *scenario) listBuilds(t *testing.T) {
	res, err := s.packer.PackerServiceListBuilds(&ps.PackerServiceListBuildsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, IterationID: s.it1}, nil)
	ok(t, "ListBuilds", err)
	if len(res.Payload.Builds) != len(components) {
		t.Fatalf("ListBuilds = %d builds, want %d", len(res.Payload.Builds), len(components))
	}
	for _, b := range res.Payload.Builds {
		equal(t, "listed build id", s.builds[b.ComponentType], b.ID)
	}
}

func (s *scenario) build(t *testing.T, id string) *models.HashicorpCloudPackerBuild {
	t.Helper()
	res, err := s.packer.PackerServiceGetBuild(&ps.PackerServiceGetBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BuildID: id}, nil)
	ok(t, "GetBuild", err)
	return res.Payload.Build
}

func (s *scenario) getBuild(t *testing.T) {
	b := s.build(t, s.builds[components[1]])
	equal(t, "component_type", b.ComponentType, components[1])
	equal(t, "iteration_id", b.IterationID, s.it1)
	equal(t, "packer_run_uuid", b.PackerRunUUID, "6f1c2a9e-0000-4000-8000-000000000001")
}

func (s *scenario) setBuild(t *testing.T, id string, u models.HashicorpCloudPackerBuildUpdates) *models.HashicorpCloudPackerBuild {
	t.Helper()
	res, err := s.packer.PackerServiceUpdateBuild(&ps.PackerServiceUpdateBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BuildID: id,
		Body: ps.PackerServiceUpdateBuildBody{Updates: &u}}, nil)
	ok(t, "UpdateBuild", err)
	b := res.Payload.Build
	if b.Status == nil || *b.Status != *u.Status {
		t.Fatalf("UpdateBuild status = %v, want %s", b.Status, *u.Status)
	}
	return b
}

// finish marks a build RUNNING then DONE with one image, as Packer does.
func (s *scenario) finish(t *testing.T, id, provider, imageID, region string, extra models.HashicorpCloudPackerBuildUpdates) {
	t.Helper()
	s.setBuild(t, id, models.HashicorpCloudPackerBuildUpdates{Status: models.HashicorpCloudPackerBuildStatusRUNNING.Pointer()})
	extra.Status = models.HashicorpCloudPackerBuildStatusDONE.Pointer()
	extra.CloudProvider = provider
	extra.Images = []*models.HashicorpCloudPackerImageCreateBody{{ImageID: imageID, Region: region}}
	extra.Labels = map[string]string{"built-by": "sdk-go"}
	b := s.setBuild(t, id, extra)
	if b.CloudProvider != provider || b.Labels["built-by"] != "sdk-go" || len(b.Images) != 1 ||
		b.Images[0].ImageID != imageID || b.Images[0].Region != region || b.Images[0].ID == "" {
		t.Fatalf("DONE build = %+v (images %+v)", b, b.Images)
	}
}

func (s *scenario) updateBuilds(t *testing.T) {
	s.setBuild(t, s.builds[components[0]], models.HashicorpCloudPackerBuildUpdates{
		Status: models.HashicorpCloudPackerBuildStatusRUNNING.Pointer()})
	s.finish(t, s.builds[components[0]], "aws", "ami-0123456789", "us-east-1", models.HashicorpCloudPackerBuildUpdates{})
	if it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.it1)}); it.Complete {
		t.Fatalf("iteration complete with a build still UNSET")
	}
	s.finish(t, s.builds[components[1]], "docker", "sha256:feedface", "docker", models.HashicorpCloudPackerBuildUpdates{})
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.it1)})
	if !it.Complete || it.IncrementalVersion != 1 || len(it.Builds) != 2 {
		t.Fatalf("after all builds DONE: complete=%v incremental_version=%d builds=%d, want true/1/2",
			it.Complete, it.IncrementalVersion, len(it.Builds))
	}
	byVersion := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IncrementalVersion: swag.Int32(1)})
	equal(t, "id by incremental_version", byVersion.ID, s.it1)
}

// secondIteration completes iteration 2 so channel assignments can move between two versions.
func (s *scenario) secondIteration(t *testing.T) {
	s.it2 = s.newIteration(t, s.bucket, s.fp2)
	b, err := s.newBuild(t, s.bucket, s.it2, s.fp2, components[0])
	ok(t, "CreateBuild", err)
	s.finish(t, b.ID, "aws", "ami-0abcdef", "eu-west-1", models.HashicorpCloudPackerBuildUpdates{})
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{Fingerprint: swag.String(s.fp2)})
	if !it.Complete || it.IncrementalVersion != 2 {
		t.Fatalf("iteration 2: complete=%v incremental_version=%d, want true/2", it.Complete, it.IncrementalVersion)
	}
	bucket := s.getBucketPayload(t, s.bucket)
	equal(t, "iteration_count", bucket.IterationCount, "2")
	if bucket.LatestIteration == nil || bucket.LatestIteration.ID != s.it2 {
		t.Errorf("latest_iteration = %+v, want %s", bucket.LatestIteration, s.it2)
	}
}
