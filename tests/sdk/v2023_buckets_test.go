package sdk

import (
	"slices"
	"testing"

	"github.com/go-openapi/swag"
	ps21 "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	models21 "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/models"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/models"
)

type (
	bucket23    = models.HashicorpCloudPacker20230101Bucket
	version23   = models.HashicorpCloudPacker20230101Version
	build23     = models.HashicorpCloudPacker20230101Build
	buildBody23 = models.HashicorpCloudPacker20230101UpdateBuildBody
)

const (
	runUUID23 = "6f1c2a9e-0000-4000-8000-000000002023"
	active    = models.HashicorpCloudPacker20230101VersionStatusVERSIONACTIVE
	running   = models.HashicorpCloudPacker20230101VersionStatusVERSIONRUNNING
	revoked   = models.HashicorpCloudPacker20230101VersionStatusVERSIONREVOKED
	scheduled = models.HashicorpCloudPacker20230101VersionStatusVERSIONREVOCATIONSCHEDULED
	buildDone = models.HashicorpCloudPacker20230101BuildStatusBUILDDONE
)

// The metadata Packer ≥ 1.10 attaches to a finished build.
var packerMetadata = map[string]any{"version": "1.11.2", "plugins": []any{
	map[string]any{"name": "amazon", "version": "1.3.2"}}}

func versionStatus(v *version23) models.HashicorpCloudPacker20230101VersionStatus {
	if v == nil || v.Status == nil {
		return ""
	}
	return *v.Status
}

// wantVersion asserts a version's identity, name and status.
func wantVersion(t *testing.T, what string, v *version23, id, name string, status models.HashicorpCloudPacker20230101VersionStatus) {
	t.Helper()
	if v == nil {
		t.Fatalf("%s: no version, want %s (%s)", what, name, id)
	}
	if (id != "" && v.ID != id) || v.Name != name || versionStatus(v) != status {
		t.Fatalf("%s: version id=%s name=%q status=%s, want id=%s name=%q status=%s",
			what, v.ID, v.Name, versionStatus(v), id, name, status)
	}
}

func (s *scenario2023) newBucket(t *testing.T, name string) *bucket23 {
	t.Helper()
	res, err := s.packer.PackerServiceCreateBucket(&ps.PackerServiceCreateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: &models.HashicorpCloudPacker20230101CreateBucketBody{Name: name, Description: "from hcp-sdk-go 2023",
			Labels: map[string]string{"os": "ubuntu"}},
	}, nil)
	ok(t, "CreateBucket "+name, err)
	b := res.Payload.Bucket
	if b == nil || !isULID(b.ID) || b.Name != name || b.Description != "from hcp-sdk-go 2023" || b.Labels["os"] != "ubuntu" {
		t.Fatalf("CreateBucket returned %+v", b)
	}
	if b.Location == nil || b.Location.OrganizationID != s.org || b.Location.ProjectID != s.proj {
		t.Fatalf("bucket location = %+v, want %s/%s", b.Location, s.org, s.proj)
	}
	equal(t, "version_count", b.VersionCount, "0")
	equal(t, "resource_name", b.ResourceName, "packer/project/"+s.proj+"/bucket/"+name)
	if b.CreatedAt.IsZero() || b.UpdatedAt.IsZero() {
		t.Errorf("bucket created_at/updated_at unset: %v / %v", b.CreatedAt, b.UpdatedAt)
	}
	if b.LatestVersion != nil {
		t.Errorf("a new bucket has latest_version %+v", b.LatestVersion)
	}
	return b
}

func (s *scenario2023) createBucket(t *testing.T) {
	s.newBucket(t, s.bucket)
	// Packer ≥ 1.10 reads first and creates on code 5; a second create is code 6.
	_, err := s.packer.PackerServiceCreateBucket(&ps.PackerServiceCreateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: &models.HashicorpCloudPacker20230101CreateBucketBody{Name: s.bucket}}, nil)
	wantRPC(t, err, 409, 6)
}

func (s *scenario2023) getBucketErr(name string) (*bucket23, error) {
	res, err := s.packer.PackerServiceGetBucket(&ps.PackerServiceGetBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: name}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Bucket, nil
}

func (s *scenario2023) getBucketPayload(t *testing.T, name string) *bucket23 {
	t.Helper()
	b, err := s.getBucketErr(name)
	ok(t, "GetBucket "+name, err)
	return b
}

func (s *scenario2023) getBucket(t *testing.T) {
	b := s.getBucketPayload(t, s.bucket)
	equal(t, "name", b.Name, s.bucket)
	equal(t, "version_count", b.VersionCount, "0")
	equal(t, "labels.os", b.Labels["os"], "ubuntu")
	if b.LatestVersion != nil {
		t.Errorf("latest_version = %+v, want none", b.LatestVersion)
	}
	_, err := s.getBucketErr(s.bucket + "-missing")
	wantRPC(t, err, 404, 5) // Packer ≥ 1.10 creates the bucket on exactly this
}

func (s *scenario2023) listBuckets(t *testing.T) {
	res, err := s.packer.PackerServiceListBuckets(&ps.PackerServiceListBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "ListBuckets", err)
	i := slices.IndexFunc(res.Payload.Buckets, func(b *bucket23) bool { return b.Name == s.bucket })
	if i < 0 {
		t.Fatalf("bucket %s not listed", s.bucket)
	}
	equal(t, "listed description", res.Payload.Buckets[i].Description, "from hcp-sdk-go 2023")
	if res.Payload.Pagination == nil {
		t.Errorf("ListBuckets answered no pagination object")
	}
}

func (s *scenario2023) updateBucket(t *testing.T) {
	res, err := s.packer.PackerServiceUpdateBucket(&ps.PackerServiceUpdateBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Body: &models.HashicorpCloudPacker20230101UpdateBucketBody{Description: "updated 2023",
			Labels: map[string]string{"os": "debian", "team": "infra"}},
	}, nil)
	ok(t, "UpdateBucket", err)
	b := res.Payload.Bucket
	if b.Description != "updated 2023" || b.Labels["os"] != "debian" || b.Labels["team"] != "infra" {
		t.Fatalf("UpdateBucket returned %+v", b)
	}
	got := s.getBucketPayload(t, s.bucket)
	equal(t, "description after GetBucket", got.Description, "updated 2023")
	equal(t, "labels.team after GetBucket", got.Labels["team"], "infra")
}

// managedLatest: every bucket is created with the managed "latest" channel, unassigned.
func (s *scenario2023) managedLatest(t *testing.T) {
	chs := s.channels(t, s.bucket)
	if len(chs) != 1 || chs[0].Name != latest || !chs[0].Managed || !isULID(chs[0].ID) {
		t.Fatalf("a new bucket's channels = %+v, want just the managed %q", chs, latest)
	}
	if chs[0].Version != nil {
		t.Fatalf("latest has version %+v before any version is complete", chs[0].Version)
	}
	s.latestID = chs[0].ID
}

func (s *scenario2023) getVersionErr(bucket, fingerprint string) (*version23, error) {
	res, err := s.packer.PackerServiceGetVersion(&ps.PackerServiceGetVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		BucketName: bucket, Fingerprint: fingerprint}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Version, nil
}

func (s *scenario2023) version(t *testing.T, bucket, fingerprint string) *version23 {
	t.Helper()
	v, err := s.getVersionErr(bucket, fingerprint)
	ok(t, "GetVersion "+fingerprint, err)
	return v
}

func (s *scenario2023) getVersionUnknown(t *testing.T) {
	_, err := s.getVersionErr(s.bucket, s.fp1)
	wantRPC(t, err, 409, 10) // the only answer on which Packer creates the version
}

func (s *scenario2023) newVersion(t *testing.T, bucket, fingerprint string) *version23 {
	t.Helper()
	res, err := s.packer.PackerServiceCreateVersion(&ps.PackerServiceCreateVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Body: &models.HashicorpCloudPacker20230101CreateVersionBody{Fingerprint: fingerprint,
			TemplateType: models.HashicorpCloudPacker20230101TemplateTypeHCL2.Pointer()},
	}, nil)
	ok(t, "CreateVersion "+fingerprint, err)
	v := res.Payload.Version
	wantVersion(t, "CreateVersion", v, "", "v0", running)
	if !isULID(v.ID) || v.Fingerprint != fingerprint || v.BucketName != bucket || v.AuthorID == "" {
		t.Fatalf("CreateVersion returned %+v", v)
	}
	if v.TemplateType == nil || *v.TemplateType != models.HashicorpCloudPacker20230101TemplateTypeHCL2 {
		t.Errorf("template_type = %v, want HCL2", v.TemplateType)
	}
	if !v.RevokeAt.IsZero() || v.RevocationType != nil {
		t.Errorf("a new version carries revocation fields: revoke_at=%v type=%v", v.RevokeAt, v.RevocationType)
	}
	return v
}

func (s *scenario2023) createVersion(t *testing.T) {
	s.v1 = s.newVersion(t, s.bucket, s.fp1).ID
	_, err := s.packer.PackerServiceCreateVersion(&ps.PackerServiceCreateVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Body: &models.HashicorpCloudPacker20230101CreateVersionBody{Fingerprint: s.fp1}}, nil)
	wantRPC(t, err, 409, 6)
}

func (s *scenario2023) getVersion(t *testing.T) {
	v := s.version(t, s.bucket, s.fp1)
	wantVersion(t, "GetVersion", v, s.v1, "v0", running)
	equal(t, "fingerprint", v.Fingerprint, s.fp1)
	equal(t, "bucket_name", v.BucketName, s.bucket)
	if v.TemplateType == nil || *v.TemplateType != models.HashicorpCloudPacker20230101TemplateTypeHCL2 {
		t.Errorf("template_type = %v, want HCL2", v.TemplateType)
	}
	if len(v.Builds) != 0 {
		t.Errorf("a new version has builds %+v", v.Builds)
	}
}

func (s *scenario2023) versions(t *testing.T, bucket string) []*version23 {
	t.Helper()
	res, err := s.packer.PackerServiceListVersions(&ps.PackerServiceListVersionsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket}, nil)
	ok(t, "ListVersions", err)
	return res.Payload.Versions
}

func (s *scenario2023) listVersions(t *testing.T) {
	vs := s.versions(t, s.bucket)
	if len(vs) != 1 {
		t.Fatalf("ListVersions = %d versions, want 1", len(vs))
	}
	wantVersion(t, "listed version", vs[0], s.v1, "v0", running)
	equal(t, "listed fingerprint", vs[0].Fingerprint, s.fp1)
}

// enforcedBlocks: Packer ≥ 1.10 asks before every build; nothing is enforced yet.
func (s *scenario2023) enforcedBlocks(t *testing.T) {
	res, err := s.packer.PackerServiceGetEnforcedBlocksByBucket(&ps.PackerServiceGetEnforcedBlocksByBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket}, nil)
	ok(t, "GetEnforcedBlocksByBucket", err)
	if len(res.Payload.EnforcedBlockDetail) != 0 {
		t.Fatalf("enforced blocks = %+v, want none", res.Payload.EnforcedBlockDetail)
	}
}

func (s *scenario2023) newBuild(bucket, fingerprint string, body models.HashicorpCloudPacker20230101CreateBuildBody) (*build23, error) {
	res, err := s.packer.PackerServiceCreateBuild(&ps.PackerServiceCreateBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Fingerprint: fingerprint, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Build, nil
}

// startBuild creates a build the way Packer does: UNSET, with its run uuid.
func (s *scenario2023) startBuild(t *testing.T, bucket, fingerprint, component string) *build23 {
	t.Helper()
	b, err := s.newBuild(bucket, fingerprint, models.HashicorpCloudPacker20230101CreateBuildBody{
		ComponentType: component, PackerRunUUID: runUUID23,
		Status: models.HashicorpCloudPacker20230101BuildStatusBUILDUNSET.Pointer()})
	ok(t, "CreateBuild "+component, err)
	if b == nil || !isULID(b.ID) || b.ComponentType != component || b.PackerRunUUID != runUUID23 ||
		b.Status == nil || *b.Status != models.HashicorpCloudPacker20230101BuildStatusBUILDUNSET {
		t.Fatalf("CreateBuild returned %+v", b)
	}
	return b
}

func (s *scenario2023) createBuilds(t *testing.T) {
	for _, c := range components {
		b := s.startBuild(t, s.bucket, s.fp1, c)
		equal(t, "version_id", b.VersionID, s.v1)
		s.builds[c] = b.ID
	}
	_, err := s.newBuild(s.bucket, s.fp1, models.HashicorpCloudPacker20230101CreateBuildBody{ComponentType: components[0]})
	wantRPC(t, err, 409, 6) // Packer tolerates exactly this
}

func (s *scenario2023) buildList(t *testing.T, bucket, fingerprint string) []*build23 {
	t.Helper()
	res, err := s.packer.PackerServiceListBuilds(&ps.PackerServiceListBuildsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Fingerprint: fingerprint}, nil)
	ok(t, "ListBuilds", err)
	return res.Payload.Builds
}

func (s *scenario2023) listBuilds(t *testing.T) {
	bs := s.buildList(t, s.bucket, s.fp1)
	if len(bs) != len(components) {
		t.Fatalf("ListBuilds = %d builds, want %d", len(bs), len(components))
	}
	for _, b := range bs {
		equal(t, "listed build id of "+b.ComponentType, b.ID, s.builds[b.ComponentType])
		equal(t, "listed version_id", b.VersionID, s.v1)
	}
}

func (s *scenario2023) getBuildErr(bucket, fingerprint, id string) (*build23, error) {
	res, err := s.packer.PackerServiceGetBuild(&ps.PackerServiceGetBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Fingerprint: fingerprint, BuildID: id}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Build, nil
}

func (s *scenario2023) getBuild(t *testing.T) {
	b, err := s.getBuildErr(s.bucket, s.fp1, s.builds[components[1]])
	ok(t, "GetBuild", err)
	equal(t, "component_type", b.ComponentType, components[1])
	equal(t, "version_id", b.VersionID, s.v1)
	equal(t, "packer_run_uuid", b.PackerRunUUID, runUUID23)
	if b.Status == nil || *b.Status != models.HashicorpCloudPacker20230101BuildStatusBUILDUNSET {
		t.Errorf("status = %v, want BUILD_UNSET", b.Status)
	}
	if b.CreatedAt.IsZero() {
		t.Errorf("build created_at unset")
	}
}

func (s *scenario2023) setBuild(t *testing.T, bucket, fingerprint, id string, body buildBody23) *build23 {
	t.Helper()
	b, err := s.setBuildErr(bucket, fingerprint, id, body)
	ok(t, "UpdateBuild", err)
	if body.Status != nil && (b.Status == nil || *b.Status != *body.Status) {
		t.Fatalf("UpdateBuild status = %v, want %s", b.Status, *body.Status)
	}
	return b
}

func (s *scenario2023) setBuildErr(bucket, fingerprint, id string, body buildBody23) (*build23, error) {
	res, err := s.packer.PackerServiceUpdateBuild(&ps.PackerServiceUpdateBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Fingerprint: fingerprint, BuildID: id, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Build, nil
}

// finish marks a build RUNNING then DONE with one artifact, as Packer ≥ 1.10 does.
func (s *scenario2023) finish(t *testing.T, bucket, fingerprint, id, platform, artifact, region string, extra buildBody23) *build23 {
	t.Helper()
	s.setBuild(t, bucket, fingerprint, id, buildBody23{Status: models.HashicorpCloudPacker20230101BuildStatusBUILDRUNNING.Pointer()})
	extra.Status = buildDone.Pointer()
	extra.Platform = platform
	extra.Artifacts = []*models.HashicorpCloudPacker20230101ArtifactCreateBody{{ExternalIdentifier: artifact, Region: region}}
	extra.Labels = map[string]string{"built-by": "sdk-go-2023"}
	b := s.setBuild(t, bucket, fingerprint, id, extra)
	if b.Platform != platform || b.Labels["built-by"] != "sdk-go-2023" || len(b.Artifacts) != 1 ||
		b.Artifacts[0].ExternalIdentifier != artifact || b.Artifacts[0].Region != region || !isULID(b.Artifacts[0].ID) {
		t.Fatalf("DONE build = %+v (artifacts %+v)", b, b.Artifacts)
	}
	return b
}

// complete makes a one-build version and finishes it; the server names it.
func (s *scenario2023) complete(t *testing.T, bucket, fingerprint, artifact string, extra buildBody23) *version23 {
	t.Helper()
	id := s.newVersion(t, bucket, fingerprint).ID
	b := s.startBuild(t, bucket, fingerprint, components[0])
	s.finish(t, bucket, fingerprint, b.ID, "aws", artifact, "us-east-1", extra)
	v := s.version(t, bucket, fingerprint)
	if v.ID != id || v.Name == "v0" || versionStatus(v) != active {
		t.Fatalf("after its only build is DONE: version %s name=%q status=%s, want a vN name and VERSION_ACTIVE",
			v.ID, v.Name, versionStatus(v))
	}
	return v
}

func (s *scenario2023) updateBuilds(t *testing.T) {
	first, second := s.builds[components[0]], s.builds[components[1]]
	s.setBuild(t, s.bucket, s.fp1, first, buildBody23{Status: models.HashicorpCloudPacker20230101BuildStatusBUILDRUNNING.Pointer()})
	// heartbeat: Packer repeats RUNNING while it builds
	s.setBuild(t, s.bucket, s.fp1, first, buildBody23{Status: models.HashicorpCloudPacker20230101BuildStatusBUILDRUNNING.Pointer()})
	done := s.finish(t, s.bucket, s.fp1, first, "aws", "ami-0123456789", "us-east-1", buildBody23{
		SourceExternalIdentifier: "ami-0base",
		Metadata:                 &models.HashicorpCloudPacker20230101BuildMetadata{Packer: packerMetadata}})
	equal(t, "source_external_identifier", done.SourceExternalIdentifier, "ami-0base")
	if done.Metadata == nil {
		t.Errorf("metadata not kept")
	} else if m, isMap := done.Metadata.Packer.(map[string]any); !isMap || m["version"] != "1.11.2" {
		t.Errorf("metadata.packer = %#v, want %v", done.Metadata.Packer, packerMetadata)
	}
	wantVersion(t, "with one build still UNSET", s.version(t, s.bucket, s.fp1), s.v1, "v0", running)
	if ch := s.channel(t, s.bucket, latest); ch.Version != nil {
		t.Fatalf("latest points at %s before any version is complete", ch.Version.ID)
	}

	s.finish(t, s.bucket, s.fp1, second, "docker", "sha256:feedface", "docker", buildBody23{})
	v := s.version(t, s.bucket, s.fp1)
	wantVersion(t, "after all builds DONE", v, s.v1, "v1", active)
	if len(v.Builds) != 2 {
		t.Fatalf("v1 has %d builds, want 2", len(v.Builds))
	}
	for _, b := range v.Builds {
		if b.Status == nil || *b.Status != buildDone || len(b.Artifacts) != 1 {
			t.Fatalf("v1 embeds build %+v, want DONE with one artifact", b)
		}
	}
	wantVersion(t, "latest channel", s.channel(t, s.bucket, latest).Version, s.v1, "v1", active)
	bucket := s.getBucketPayload(t, s.bucket)
	equal(t, "version_count", bucket.VersionCount, "1")
	wantVersion(t, "bucket latest_version", bucket.LatestVersion, s.v1, "v1", active)
	for _, p := range []string{"aws", "docker"} {
		if !slices.Contains(bucket.Platforms, p) {
			t.Errorf("bucket platforms = %v, want %s among them", bucket.Platforms, p)
		}
	}
}

// crossPlane reads v1, written through 2023-01-01, as a 2021-04-30 iteration.
func (s *scenario2023) crossPlane(t *testing.T) {
	res, err := s.packer21.PackerServiceGetIteration(&ps21.PackerServiceGetIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket,
		Fingerprint: swag.String(s.fp1)}, nil)
	ok(t, "2021 GetIteration", err)
	it := res.Payload.Iteration
	if it.ID != s.v1 || !it.Complete || it.IncrementalVersion != 1 || it.BucketSlug != s.bucket || len(it.Builds) != 2 {
		t.Fatalf("2021 iteration = id %s complete=%v incremental_version=%d bucket %s builds %d, want %s/true/1/%s/2",
			it.ID, it.Complete, it.IncrementalVersion, it.BucketSlug, len(it.Builds), s.v1, s.bucket)
	}
	if it.TemplateType == nil || *it.TemplateType != models21.HashicorpCloudPackerIterationTemplateTypeHCL2 {
		t.Errorf("2021 template_type = %v, want HCL2", it.TemplateType)
	}
	images := map[string]string{}
	for _, b := range it.Builds {
		equal(t, "2021 build id of "+b.ComponentType, b.ID, s.builds[b.ComponentType])
		if b.Status == nil || *b.Status != models21.HashicorpCloudPackerBuildStatusDONE || len(b.Images) != 1 {
			t.Fatalf("2021 build %+v, want DONE with one image", b)
		}
		images[b.CloudProvider] = b.Images[0].ImageID + "@" + b.Images[0].Region
	}
	if images["aws"] != "ami-0123456789@us-east-1" || images["docker"] != "sha256:feedface@docker" {
		t.Fatalf("2021 images by cloud_provider = %v", images)
	}
	b21, err := s.packer21.PackerServiceGetBucket(&ps21.PackerServiceGetBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket}, nil)
	ok(t, "2021 GetBucket", err)
	equal(t, "2021 iteration_count", b21.Payload.Bucket.IterationCount, "1")
	ch, err := s.packer21.PackerServiceGetChannel(&ps21.PackerServiceGetChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: latest}, nil)
	ok(t, "2021 GetChannel latest", err)
	if c := ch.Payload.Channel; !c.Managed || c.ID != s.latestID || c.Iteration == nil || c.Iteration.ID != s.v1 {
		t.Fatalf("2021 latest channel = %+v, want managed %s on %s", c, s.latestID, s.v1)
	}
}

func (s *scenario2023) secondVersion(t *testing.T) {
	v := s.complete(t, s.bucket, s.fp2, "ami-0abcdef", buildBody23{})
	wantVersion(t, "second version", v, "", "v2", active)
	s.v2 = v.ID
	wantVersion(t, "latest channel", s.channel(t, s.bucket, latest).Version, s.v2, "v2", active)
	bucket := s.getBucketPayload(t, s.bucket)
	equal(t, "version_count", bucket.VersionCount, "2")
	wantVersion(t, "bucket latest_version", bucket.LatestVersion, s.v2, "v2", active)
	names := map[string]string{}
	for _, item := range s.versions(t, s.bucket) {
		names[item.ID] = item.Name
	}
	if len(names) != 2 || names[s.v1] != "v1" || names[s.v2] != "v2" {
		t.Fatalf("ListVersions names = %v, want %s:v1 %s:v2", names, s.v1, s.v2)
	}
}
