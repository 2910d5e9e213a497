package sdk

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-openapi/swag"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/models"
	"github.com/hashicorp/hcp-sdk-go/config"
	"github.com/klauspost/compress/zstd"
)

type (
	package23 = models.HashicorpCloudPacker20230101Package
	block23   = models.HashicorpCloudPacker20230101EnforcedBlock
	blockVer  = models.HashicorpCloudPacker20230101EnforcedBlockVersion
)

const (
	spdx      = models.HashicorpCloudPacker20230101SbomFormatSPDX
	cyclonedx = models.HashicorpCloudPacker20230101SbomFormatCYCLONEDX
	hcl2      = models.HashicorpCloudPacker20230101TemplateTypeHCL2
	cdxName   = "cdx-docker"

	// The OSV records tests/e2e/test_sdk_go.py imports (tests/sdk/testdata/osv)
	// before it runs this module, and says so in this variable.
	osvImported = "PACKYARD_SDK_OSV_IMPORTED"
	osvOpenssl  = "SDKGO-2023-0001" // openssl < 3.0.8, HIGH
	osvZlib     = "SDKGO-2023-0002" // zlib 1.2.11, MODERATE
)

// spdxDocument lists what the amazon-ebs build of v1 ships.
func spdxDocument(run string) []byte {
	return []byte(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",` +
		`"name":"ubuntu-image","documentNamespace":"https://packyard.test/spdx/` + run + `",` +
		`"creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: syft-1.0.0"]},"packages":[` +
		`{"name":"openssl","SPDXID":"SPDXRef-openssl","versionInfo":"3.0.2","licenseConcluded":"Apache-2.0",` +
		`"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/ubuntu/openssl@3.0.2"}]},` +
		`{"name":"zlib","SPDXID":"SPDXRef-zlib","versionInfo":"1.2.11",` +
		`"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/ubuntu/zlib@1.2.11"}]},` +
		`{"name":"bash","SPDXID":"SPDXRef-bash","versionInfo":"5.1",` +
		`"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/ubuntu/bash@5.1"}]}]}`)
}

// cyclonedxDocument lists what the docker build of v1 ships (one nested component).
func cyclonedxDocument(run string) []byte {
	return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,` +
		`"serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","metadata":{"component":{"type":"container","name":"base-` + run + `"}},` +
		`"components":[{"type":"library","name":"openssl","version":"3.0.9","purl":"pkg:apk/alpine/openssl@3.0.9"},` +
		`{"type":"library","name":"busybox","version":"1.36.1","purl":"pkg:apk/alpine/busybox@1.36.1",` +
		`"components":[{"type":"library","name":"busybox-binsh","version":"1.36.1","purl":"pkg:apk/alpine/busybox-binsh@1.36.1"}]}]}`)
}

func compress(t *testing.T, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	ok(t, "zstd writer", err)
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func (s *scenario2023) run() string { return strings.TrimPrefix(s.bucket, "sdk-go23-") }

// ---- SearchExternalArtifact ----

func (s *scenario2023) search(t *testing.T, body models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody) []*models.HashicorpCloudPacker20230101ExternalArtifact {
	t.Helper()
	res, err := s.packer.PackerServiceSearchExternalArtifact(&ps.PackerServiceSearchExternalArtifactParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, Body: &body}, nil)
	ok(t, "SearchExternalArtifact "+body.ExternalIdentifier, err)
	if res.Payload.Pagination == nil {
		t.Errorf("SearchExternalArtifact answered no pagination object")
	}
	// other tests share the project: keep this scenario's bucket
	var mine []*models.HashicorpCloudPacker20230101ExternalArtifact
	for _, a := range res.Payload.Artifacts {
		if a.Bucket == nil || a.Version == nil || a.Build == nil {
			t.Fatalf("artifact without bucket, version or build: %+v", a)
		}
		if a.Bucket.Name == s.bucket {
			mine = append(mine, a)
		}
	}
	return mine
}

func (s *scenario2023) searchArtifact(t *testing.T) {
	found := s.search(t, models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody{ExternalIdentifier: "ami-0123456789"})
	if len(found) != 1 {
		t.Fatalf("SearchExternalArtifact(ami-0123456789) found %d artifacts in %s, want 1", len(found), s.bucket)
	}
	a := found[0]
	bucket := s.getBucketPayload(t, s.bucket)
	equal(t, "artifact bucket id", a.Bucket.ID, bucket.ID)
	if a.Bucket.Labels["os"] != "debian" || a.Bucket.Labels["team"] != "infra" {
		t.Errorf("artifact bucket labels = %v, want os:debian team:infra", a.Bucket.Labels)
	}
	equal(t, "artifact version id", a.Version.ID, s.v1)
	equal(t, "artifact version name", a.Version.Name, "v1")
	equal(t, "artifact version fingerprint", a.Version.Fingerprint, s.fp1)
	if a.Version.Status == nil || *a.Version.Status != active {
		t.Errorf("artifact version status = %v, want VERSION_ACTIVE", a.Version.Status)
	}
	if a.Version.AuthorID == "" {
		t.Errorf("artifact version has no author_id")
	}
	if a.Version.RevocationType != nil || !a.Version.RevokeAt.IsZero() {
		t.Errorf("artifact version carries revocation fields: %+v", a.Version)
	}
	equal(t, "artifact build id", a.Build.ID, s.builds[components[0]])
	equal(t, "artifact build platform", a.Build.Platform, "aws")
	equal(t, "artifact build version_id", a.Build.VersionID, s.v1)
	if len(a.Build.Artifacts) != 1 || a.Build.Artifacts[0].ExternalIdentifier != "ami-0123456789" ||
		a.Build.Artifacts[0].Region != "us-east-1" {
		t.Errorf("artifact build artifacts = %+v", a.Build.Artifacts)
	}

	// v2's artifact, and the optional platform/region filters
	found = s.search(t, models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody{
		ExternalIdentifier: "ami-0abcdef", Platform: "aws", Region: "us-east-1"})
	if len(found) != 1 || found[0].Version.ID != s.v2 || found[0].Version.Name != "v2" {
		t.Fatalf("SearchExternalArtifact(ami-0abcdef, aws, us-east-1) = %d artifacts in %s, want v2", len(found), s.bucket)
	}
	found = s.search(t, models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody{
		ExternalIdentifier: "sha256:feedface", Platform: "docker"})
	if len(found) != 1 || found[0].Build.ID != s.builds[components[1]] {
		t.Fatalf("SearchExternalArtifact(sha256:feedface, docker) = %+v, want the docker build of v1", found)
	}
	for _, miss := range []models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody{
		{ExternalIdentifier: "ami-0123456789", Platform: "gcp"},
		{ExternalIdentifier: "ami-0123456789", Region: "eu-west-1"},
		{ExternalIdentifier: "ami-" + s.run() + "-unknown"},
	} {
		if got := s.search(t, miss); len(got) != 0 {
			t.Errorf("SearchExternalArtifact(%+v) = %d artifacts, want none", miss, len(got))
		}
	}
	_, err := s.packer.PackerServiceSearchExternalArtifact(&ps.PackerServiceSearchExternalArtifactParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj,
		Body: &models.HashicorpCloudPacker20230101SearchExternalArtifactRequestBody{Platform: "aws"}}, nil)
	wantRPC(t, err, 400, 3)
}

// ---- SBOMs ----

func (s *scenario2023) uploadErr(component string, body models.HashicorpCloudPacker20230101UploadSbomBody) (*models.HashicorpCloudPacker20230101Sbom, error) {
	res, err := s.packer.PackerServiceUploadSbom(&ps.PackerServiceUploadSbomParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp1, BuildID: s.builds[component], Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Sbom, nil
}

func wantSbom(t *testing.T, what string, got *models.HashicorpCloudPacker20230101Sbom, name string, format models.HashicorpCloudPacker20230101SbomFormat) {
	t.Helper()
	if got == nil || !isULID(got.ID) || got.Name != name || got.Format == nil || *got.Format != format {
		t.Fatalf("%s = %+v, want %s named %q", what, got, format, name)
	}
}

func (s *scenario2023) uploadSboms(t *testing.T) {
	s.spdxDoc, s.cdxDoc = spdxDocument(s.run()), cyclonedxDocument(s.run())
	// Packer uploads without a name: the server names it after the format.
	got, err := s.uploadErr(components[0], models.HashicorpCloudPacker20230101UploadSbomBody{
		CompressedSbom: compress(t, s.spdxDoc), Format: spdx.Pointer()})
	ok(t, "UploadSbom SPDX", err)
	wantSbom(t, "UploadSbom SPDX", got, "sbom-spdx", spdx)
	s.sboms = map[string]string{"sbom-spdx": got.ID}

	got, err = s.uploadErr(components[1], models.HashicorpCloudPacker20230101UploadSbomBody{
		CompressedSbom: compress(t, s.cdxDoc), Format: cyclonedx.Pointer(), Name: cdxName})
	ok(t, "UploadSbom CycloneDX", err)
	wantSbom(t, "UploadSbom CycloneDX", got, cdxName, cyclonedx)
	s.sboms[cdxName] = got.ID

	// the default name again on the same build
	_, err = s.uploadErr(components[0], models.HashicorpCloudPacker20230101UploadSbomBody{
		CompressedSbom: compress(t, s.spdxDoc), Format: spdx.Pointer()})
	wantRPC(t, err, 409, 6)
	_, err = s.uploadErr(components[1], models.HashicorpCloudPacker20230101UploadSbomBody{
		CompressedSbom: compress(t, s.cdxDoc), Format: cyclonedx.Pointer(), Name: cdxName})
	wantRPC(t, err, 409, 6)

	for what, body := range map[string]models.HashicorpCloudPacker20230101UploadSbomBody{
		"not zstd":          {CompressedSbom: s.spdxDoc, Format: spdx.Pointer(), Name: "raw"},
		"zstd, not JSON":    {CompressedSbom: compress(t, []byte("not json at all")), Format: spdx.Pointer(), Name: "text"},
		"SPDX as CycloneDX": {CompressedSbom: compress(t, s.spdxDoc), Format: cyclonedx.Pointer(), Name: "mislabelled"},
		"CycloneDX as SPDX": {CompressedSbom: compress(t, s.cdxDoc), Format: spdx.Pointer(), Name: "mislabelled2"},
		"no format":         {CompressedSbom: compress(t, s.spdxDoc), Name: "unformatted"},
		"no content":        {Format: spdx.Pointer(), Name: "empty"},
	} {
		_, err = s.uploadErr(components[0], body)
		t.Run(strings.ReplaceAll(what, " ", "_"), func(t *testing.T) { wantRPC(t, err, 400, 3) })
	}
	// nothing of the rejected uploads was kept
	if names := s.sbomNames(t, components[0]); !slices.Equal(names, []string{"sbom-spdx"}) {
		t.Fatalf("SBOMs of %s after rejected uploads = %v, want [sbom-spdx]", components[0], names)
	}
	_, err = s.packer.PackerServiceUploadSbom(&ps.PackerServiceUploadSbomParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp1, BuildID: "01HZZZZZZZZZZZZZZZZZZZZZZZ", Body: &models.HashicorpCloudPacker20230101UploadSbomBody{
			CompressedSbom: compress(t, s.spdxDoc), Format: spdx.Pointer()}}, nil)
	wantRPC(t, err, 404, 5)
}

func (s *scenario2023) sbomList(t *testing.T, component string) []*models.HashicorpCloudPacker20230101Sbom {
	t.Helper()
	res, err := s.packer.PackerServiceListSboms(&ps.PackerServiceListSbomsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp1, BuildID: s.builds[component]}, nil)
	ok(t, "ListSboms "+component, err)
	return res.Payload.Sboms
}

func (s *scenario2023) sbomNames(t *testing.T, component string) []string {
	t.Helper()
	var names []string
	for _, item := range s.sbomList(t, component) {
		names = append(names, item.Name)
	}
	sort.Strings(names)
	return names
}

func (s *scenario2023) listSboms(t *testing.T) {
	for component, want := range map[string]struct {
		name   string
		format models.HashicorpCloudPacker20230101SbomFormat
	}{components[0]: {"sbom-spdx", spdx}, components[1]: {cdxName, cyclonedx}} {
		list := s.sbomList(t, component)
		if len(list) != 1 {
			t.Fatalf("ListSboms %s = %d SBOMs, want 1", component, len(list))
		}
		wantSbom(t, "listed SBOM of "+component, list[0], want.name, want.format)
		equal(t, "listed SBOM id", list[0].ID, s.sboms[want.name])
	}
	// a build without SBOMs (v2's) answers an empty list
	v2 := s.version(t, s.bucket, s.fp2)
	if len(v2.Builds) != 1 {
		t.Fatalf("v2 has %d builds, want 1", len(v2.Builds))
	}
	res, err := s.packer.PackerServiceListSboms(&ps.PackerServiceListSbomsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp2, BuildID: v2.Builds[0].ID}, nil)
	ok(t, "ListSboms v2", err)
	if len(res.Payload.Sboms) != 0 {
		t.Fatalf("ListSboms of a build without SBOMs = %+v", res.Payload.Sboms)
	}
}

func (s *scenario2023) sbomURL(component, name string) (string, error) {
	res, err := s.packer.PackerServiceGetSbom(&ps.PackerServiceGetSbomParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp1, BuildID: s.builds[component], SbomName: name}, nil)
	if err != nil {
		return "", err
	}
	return res.Payload.DownloadURL, nil
}

// download GETs a URL the server answered, with the bearer token the SDK uses,
// through a plain client that trusts SSL_CERT_FILE as the SDK transport does.
func (s *scenario2023) download(t *testing.T, url string, token bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, url, nil)
	ok(t, "download request", err)
	if token {
		cfg, err := config.NewHCPConfig(config.FromEnv(), config.WithoutBrowserLogin())
		ok(t, "hcp config", err)
		tok, err := cfg.Token()
		ok(t, "token", err)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}
	res, err := http.DefaultClient.Do(req)
	ok(t, "GET "+url, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	ok(t, "read "+url, err)
	return res.StatusCode, body
}

func (s *scenario2023) getSbom(t *testing.T) {
	for component, want := range map[string]struct {
		name string
		doc  []byte
	}{components[0]: {"sbom-spdx", s.spdxDoc}, components[1]: {cdxName, s.cdxDoc}} {
		url, err := s.sbomURL(component, want.name)
		ok(t, "GetSbom "+want.name, err)
		if !strings.HasPrefix(url, "https://") || !strings.Contains(url, s.builds[component]) {
			t.Fatalf("GetSbom download_url = %q, want an https URL on the server for build %s", url, s.builds[component])
		}
		status, body := s.download(t, url, true)
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", url, status, body)
		}
		if !bytes.Equal(body, want.doc) {
			t.Fatalf("downloaded %s differs from the uploaded JSON:\n got %s\nwant %s", want.name, body, want.doc)
		}
		if status, _ := s.download(t, url, false); status != http.StatusUnauthorized && status != http.StatusForbidden {
			t.Errorf("GET %s without a token = %d, want 401/403", url, status)
		}
	}
	_, err := s.sbomURL(components[0], cdxName) // on the other build
	wantRPC(t, err, 404, 5)
}

// ---- packages ----

type pkgFilter struct{ name, prefix, version string }

func (f pkgFilter) params() (name, prefix, version *string) {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return swag.String(v)
	}
	return opt(f.name), opt(f.prefix), opt(f.version)
}

func (s *scenario2023) buildPackageList(t *testing.T, component string, f pkgFilter) []*package23 {
	t.Helper()
	name, prefix, version := f.params()
	res, err := s.packer.PackerServiceListBuildPackages(&ps.PackerServiceListBuildPackagesParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fp1, BuildID: s.builds[component],
		PackageName: name, PackageNameStartsWith: prefix, PackageVersion: version}, nil)
	ok(t, "ListBuildPackages "+component, err)
	if res.Payload.Pagination == nil {
		t.Errorf("ListBuildPackages answered no pagination object")
	}
	return res.Payload.Packages
}

// pkgKeys answers name@version of each package, in the order listed.
func pkgKeys(list []*package23) []string {
	keys := make([]string, 0, len(list))
	for _, p := range list {
		keys = append(keys, p.Name+"@"+p.Version)
	}
	return keys
}

func (s *scenario2023) wantPackage(t *testing.T, p *package23, component, sbomName string, format models.HashicorpCloudPacker20230101SbomFormat, purl string) {
	t.Helper()
	equal(t, p.Name+" purl", p.Purl, purl)
	equal(t, p.Name+" build_id", p.BuildID, s.builds[component])
	equal(t, p.Name+" build_name", p.BuildName, component)
	if len(p.Sboms) != 1 {
		t.Fatalf("%s lists SBOMs %+v, want the one it came from", p.Name, p.Sboms)
	}
	wantSbom(t, p.Name+" sbom", p.Sboms[0], sbomName, format)
	equal(t, p.Name+" sbom id", p.Sboms[0].ID, s.sboms[sbomName])
	s.wantVulnDetails(t, p)
}

// wantVulnDetails: package lists carry each package's vulnerabilities too, from
// the OSV records tests/sdk/testdata/osv (openssl < 3.0.8 and zlib 1.2.11).
func (s *scenario2023) wantVulnDetails(t *testing.T, p *package23) {
	t.Helper()
	want := ""
	if os.Getenv(osvImported) != "" {
		want = map[string]string{"openssl@3.0.2": osvOpenssl, "zlib@1.2.11": osvZlib}[p.Name+"@"+p.Version]
	}
	if want == "" {
		if len(p.VulnDetails) != 0 {
			t.Errorf("%s@%s lists vulnerabilities %+v, want none", p.Name, p.Version, p.VulnDetails[0])
		}
		return
	}
	if len(p.VulnDetails) != 1 || p.VulnDetails[0].LastScannedAt.IsZero() || len(p.VulnDetails[0].Vulnerabilities) != 1 ||
		p.VulnDetails[0].Vulnerabilities[0].Identifier != want {
		t.Errorf("%s@%s vuln_details = %+v, want just %s", p.Name, p.Version, p.VulnDetails, want)
	}
}

func (s *scenario2023) buildPackages(t *testing.T) {
	aws := s.buildPackageList(t, components[0], pkgFilter{})
	if got := pkgKeys(aws); !slices.Equal(got, []string{"bash@5.1", "openssl@3.0.2", "zlib@1.2.11"}) {
		t.Fatalf("ListBuildPackages %s = %v", components[0], got)
	}
	for _, p := range aws {
		s.wantPackage(t, p, components[0], "sbom-spdx", spdx, "pkg:deb/ubuntu/"+p.Name+"@"+p.Version)
		if p.ChannelID != "" || p.ChannelName != "" {
			t.Errorf("a build package carries channel %s/%s", p.ChannelID, p.ChannelName)
		}
	}
	docker := s.buildPackageList(t, components[1], pkgFilter{})
	if got := pkgKeys(docker); !slices.Equal(got, []string{"busybox@1.36.1", "busybox-binsh@1.36.1", "openssl@3.0.9"}) {
		t.Fatalf("ListBuildPackages %s = %v (nested CycloneDX components count too)", components[1], got)
	}
	for _, p := range docker {
		s.wantPackage(t, p, components[1], cdxName, cyclonedx, "pkg:apk/alpine/"+p.Name+"@"+p.Version)
	}
	for _, c := range []struct {
		component string
		filter    pkgFilter
		want      []string
	}{
		{components[0], pkgFilter{name: "openssl"}, []string{"openssl@3.0.2"}},
		{components[0], pkgFilter{name: "open"}, nil}, // exact name
		{components[1], pkgFilter{prefix: "busy"}, []string{"busybox@1.36.1", "busybox-binsh@1.36.1"}},
		{components[1], pkgFilter{version: "1.36.1"}, []string{"busybox@1.36.1", "busybox-binsh@1.36.1"}},
		{components[1], pkgFilter{name: "openssl", version: "3.0.9"}, []string{"openssl@3.0.9"}},
		{components[1], pkgFilter{name: "openssl", version: "3.0.2"}, nil},
	} {
		if got := pkgKeys(s.buildPackageList(t, c.component, c.filter)); !slices.Equal(got, c.want) {
			t.Errorf("ListBuildPackages %s %+v = %v, want %v", c.component, c.filter, got, c.want)
		}
	}
}

func (s *scenario2023) bucketPackageList(t *testing.T, f pkgFilter, pageSize int64, token string) *models.HashicorpCloudPacker20230101ListBucketPackagesResponse {
	t.Helper()
	name, prefix, version := f.params()
	params := &ps.PackerServiceListBucketPackagesParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		PackageName: name, PackageNameStartsWith: prefix, PackageVersion: version}
	if pageSize > 0 {
		params.PaginationPageSize = swag.Int64(pageSize)
	}
	if token != "" {
		params.PaginationNextPageToken = swag.String(token)
	}
	res, err := s.packer.PackerServiceListBucketPackages(params, nil)
	ok(t, "ListBucketPackages", err)
	return res.Payload
}

// byChannel answers channel name -> sorted name@version of the packages it ships.
func byChannel(t *testing.T, list []*package23, ids map[string]string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, p := range list {
		if want, known := ids[p.ChannelName]; !known || p.ChannelID != want {
			t.Fatalf("package %s@%s on channel %q (%s), want one of %v", p.Name, p.Version, p.ChannelName, p.ChannelID, ids)
		}
		got[p.ChannelName] = append(got[p.ChannelName], p.Name+"@"+p.Version)
	}
	for _, keys := range got {
		sort.Strings(keys)
	}
	return got
}

func (s *scenario2023) channelIDs(t *testing.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, ch := range s.channels(t, s.bucket) {
		ids[ch.Name] = ch.ID
	}
	return ids
}

func (s *scenario2023) bucketPackages(t *testing.T) {
	// production and staging point at v1 (both builds have SBOMs); latest at v2 (none)
	ids := s.channelIDs(t)
	all := s.bucketPackageList(t, pkgFilter{}, 0, "")
	v1 := []string{"bash@5.1", "busybox-binsh@1.36.1", "busybox@1.36.1", "openssl@3.0.2", "openssl@3.0.9", "zlib@1.2.11"}
	got := byChannel(t, all.Packages, ids)
	if len(got) != 2 || !slices.Equal(got[production], v1) || !slices.Equal(got[staging], v1) {
		t.Fatalf("ListBucketPackages by channel = %v, want production and staging each %v", got, v1)
	}
	for _, p := range all.Packages {
		if p.BuildID != s.builds[p.BuildName] || len(p.Sboms) != 1 || p.Purl == "" {
			t.Fatalf("bucket package %+v: want its build (%v), SBOM and purl", p, s.builds)
		}
		s.wantVulnDetails(t, p)
	}
	if all.Pagination == nil || all.Pagination.NextPageToken != "" {
		t.Errorf("ListBucketPackages pagination = %+v, want one page", all.Pagination)
	}

	got = byChannel(t, s.bucketPackageList(t, pkgFilter{name: "openssl"}, 0, "").Packages, ids)
	want := []string{"openssl@3.0.2", "openssl@3.0.9"}
	if len(got) != 2 || !slices.Equal(got[production], want) || !slices.Equal(got[staging], want) {
		t.Errorf("ListBucketPackages(package_name=openssl) = %v", got)
	}
	got = byChannel(t, s.bucketPackageList(t, pkgFilter{prefix: "busybox-"}, 0, "").Packages, ids)
	if len(got) != 2 || !slices.Equal(got[production], []string{"busybox-binsh@1.36.1"}) {
		t.Errorf("ListBucketPackages(package_name_starts_with=busybox-) = %v", got)
	}
	got = byChannel(t, s.bucketPackageList(t, pkgFilter{version: "3.0.2"}, 0, "").Packages, ids)
	if len(got) != 2 || !slices.Equal(got[staging], []string{"openssl@3.0.2"}) {
		t.Errorf("ListBucketPackages(package_version=3.0.2) = %v", got)
	}
	if none := s.bucketPackageList(t, pkgFilter{name: "nginx"}, 0, ""); len(none.Packages) != 0 {
		t.Errorf("ListBucketPackages(package_name=nginx) = %v", pkgKeys(none.Packages))
	}

	// paging: 12 packages in pages of 5
	var paged []*package23
	token := ""
	for page := 0; page < 4; page++ {
		res := s.bucketPackageList(t, pkgFilter{}, 5, token)
		if len(res.Packages) > 5 {
			t.Fatalf("page of %d packages, want at most 5", len(res.Packages))
		}
		paged = append(paged, res.Packages...)
		if res.Pagination == nil || res.Pagination.NextPageToken == "" {
			break
		}
		token = res.Pagination.NextPageToken
	}
	if len(paged) != len(all.Packages) {
		t.Fatalf("paging through ListBucketPackages gave %d packages, want %d", len(paged), len(all.Packages))
	}
}

// ---- vulnerabilities ----

func (s *scenario2023) osv(t *testing.T) bool {
	t.Helper()
	if os.Getenv(osvImported) == "" {
		t.Logf("%s is not set: no OSV database, so every vulnerability list is empty", osvImported)
		return false
	}
	return true
}

func (s *scenario2023) vulnerabilityList(t *testing.T, criticality []string, identifier, prefix string) []*models.HashicorpCloudPacker20230101VulnerabilityWithImpacts {
	t.Helper()
	params := &ps.PackerServiceListBucketVulnerabilitiesParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Criticality: criticality}
	if identifier != "" {
		params.Identifier = swag.String(identifier)
	}
	if prefix != "" {
		params.IdentifierStartsWith = swag.String(prefix)
	}
	res, err := s.packer.PackerServiceListBucketVulnerabilities(params, nil)
	ok(t, "ListBucketVulnerabilities", err)
	if res.Payload.Pagination == nil {
		t.Errorf("ListBucketVulnerabilities answered no pagination object")
	}
	return res.Payload.Vulnerabilities
}

func identifiers(list []*models.HashicorpCloudPacker20230101VulnerabilityWithImpacts) []string {
	var ids []string
	for _, v := range list {
		if v.Vulnerability != nil {
			ids = append(ids, v.Vulnerability.Identifier)
		}
	}
	return ids
}

func (s *scenario2023) bucketVulnerabilities(t *testing.T) {
	all := s.vulnerabilityList(t, nil, "", "")
	if !s.osv(t) {
		if len(all) != 0 {
			t.Fatalf("ListBucketVulnerabilities without an OSV database = %+v", all)
		}
		return
	}
	if got := identifiers(all); !slices.Equal(got, []string{osvOpenssl, osvZlib}) {
		t.Fatalf("ListBucketVulnerabilities = %v, want [%s %s]", got, osvOpenssl, osvZlib)
	}
	ids := s.channelIDs(t)
	for i, want := range []struct {
		criticality, fixed, pkg, version string
	}{{"HIGH", "3.0.8", "openssl", "3.0.2"}, {"MEDIUM", "1.2.12", "zlib", "1.2.11"}} {
		v := all[i]
		equal(t, v.Vulnerability.Identifier+" criticality", v.Vulnerability.Criticality, want.criticality)
		equal(t, v.Vulnerability.Identifier+" fixed_version", v.Vulnerability.FixedVersion, want.fixed)
		if v.Vulnerability.Description == "" || v.Vulnerability.PublishedAt.IsZero() {
			t.Errorf("%s: description %q, published_at %v", v.Vulnerability.Identifier, v.Vulnerability.Description, v.Vulnerability.PublishedAt)
		}
		if len(v.ImpactedPackages) != 1 || v.ImpactedPackages[0].Name != want.pkg || v.ImpactedPackages[0].Version != want.version ||
			v.ImpactedPackages[0].Purl != "pkg:deb/ubuntu/"+want.pkg+"@"+want.version {
			t.Errorf("%s impacted_packages = %+v, want %s@%s once", v.Vulnerability.Identifier, v.ImpactedPackages, want.pkg, want.version)
		}
		if len(v.ImpactedBuilds) != 1 || v.ImpactedBuilds[0].ID != s.builds[components[0]] || v.ImpactedBuilds[0].Name != components[0] {
			t.Errorf("%s impacted_builds = %+v, want %s (%s)", v.Vulnerability.Identifier, v.ImpactedBuilds, s.builds[components[0]], components[0])
		}
		channels := map[string]string{}
		for _, ch := range v.ImpactedChannels {
			channels[ch.Name] = ch.ID
		}
		if len(v.ImpactedChannels) != 2 || channels[production] != ids[production] || channels[staging] != ids[staging] {
			t.Errorf("%s impacted_channels = %v, want production and staging", v.Vulnerability.Identifier, channels)
		}
	}
	openssl := all[0].Vulnerability
	equal(t, "related", openssl.Related, "CVE-2023-0286")
	if !strings.HasPrefix(openssl.Severity, "CVSS:3.1/") {
		t.Errorf("severity = %q, want the OSV CVSS vector", openssl.Severity)
	}
	if got := identifiers(s.vulnerabilityList(t, []string{"HIGH"}, "", "")); !slices.Equal(got, []string{osvOpenssl}) {
		t.Errorf("ListBucketVulnerabilities(criticality=HIGH) = %v", got)
	}
	if got := identifiers(s.vulnerabilityList(t, nil, osvZlib, "")); !slices.Equal(got, []string{osvZlib}) {
		t.Errorf("ListBucketVulnerabilities(identifier=%s) = %v", osvZlib, got)
	}
	if got := identifiers(s.vulnerabilityList(t, nil, "", "SDKGO-2023-")); len(got) != 2 {
		t.Errorf("ListBucketVulnerabilities(identifier_starts_with=SDKGO-2023-) = %v", got)
	}
	if got := identifiers(s.vulnerabilityList(t, []string{"LOW"}, "", "")); len(got) != 0 {
		t.Errorf("ListBucketVulnerabilities(criticality=LOW) = %v, want none", got)
	}
}

func (s *scenario2023) packagesWithVulnerabilities(t *testing.T) {
	list := func(name string, criticality []string) []*package23 {
		t.Helper()
		params := &ps.PackerServiceListBucketPackagesWithVulnerabilitiesParams{
			Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
			Criticality: criticality}
		if name != "" {
			params.PackageName = swag.String(name)
		}
		res, err := s.packer.PackerServiceListBucketPackagesWithVulnerabilities(params, nil)
		ok(t, "ListBucketPackagesWithVulnerabilities", err)
		if res.Payload.Pagination == nil {
			t.Errorf("ListBucketPackagesWithVulnerabilities answered no pagination object")
		}
		return res.Payload.Packages
	}
	all := list("", nil)
	if !s.osv(t) {
		if len(all) != 0 {
			t.Fatalf("ListBucketPackagesWithVulnerabilities without an OSV database = %v", pkgKeys(all))
		}
		return
	}
	got := byChannel(t, all, s.channelIDs(t))
	want := []string{"openssl@3.0.2", "zlib@1.2.11"}
	if len(got) != 2 || !slices.Equal(got[production], want) || !slices.Equal(got[staging], want) {
		t.Fatalf("ListBucketPackagesWithVulnerabilities by channel = %v, want production and staging each %v", got, want)
	}
	for _, p := range all {
		s.wantVulnDetails(t, p)
		equal(t, p.Name+" build_id", p.BuildID, s.builds[components[0]])
	}
	if got := pkgKeys(list("zlib", nil)); !slices.Equal(got, []string{"zlib@1.2.11", "zlib@1.2.11"}) {
		t.Errorf("ListBucketPackagesWithVulnerabilities(package_name=zlib) = %v", got)
	}
	if got := pkgKeys(list("", []string{"HIGH"})); !slices.Equal(got, []string{"openssl@3.0.2", "openssl@3.0.2"}) {
		t.Errorf("ListBucketPackagesWithVulnerabilities(criticality=HIGH) = %v", got)
	}
	if got := list("bash", nil); len(got) != 0 {
		t.Errorf("ListBucketPackagesWithVulnerabilities(package_name=bash) = %v, want none", pkgKeys(got))
	}
}

func (s *scenario2023) vulnerabilitySummary(t *testing.T) {
	res, err := s.packer.PackerServiceListBucketPackagesVulnerabilitySummary(&ps.PackerServiceListBucketPackagesVulnerabilitySummaryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket}, nil)
	ok(t, "ListBucketPackagesVulnerabilitySummary", err)
	sum := res.Payload
	if !s.osv(t) {
		if len(sum.PackagesByCriticality)+len(sum.ChannelsByCriticality)+len(sum.TotalByCriticality) != 0 {
			t.Fatalf("vulnerability summary without an OSV database = %+v", sum)
		}
		return
	}
	var packages, channels, totals []string
	for _, p := range sum.PackagesByCriticality {
		packages = append(packages, fmt.Sprintf("%s@%s %s %s:%s", p.PackageName, p.PackageVersion, p.PackagePurl, p.Criticality, p.VulnerabilityCount))
	}
	ids := s.channelIDs(t)
	for _, c := range sum.ChannelsByCriticality {
		if c.ChannelID != ids[c.ChannelName] {
			t.Errorf("channel %s has id %s, want %s", c.ChannelName, c.ChannelID, ids[c.ChannelName])
		}
		channels = append(channels, fmt.Sprintf("%s %s:%s", c.ChannelName, c.Criticality, c.VulnerabilityCount))
	}
	for _, c := range sum.TotalByCriticality {
		totals = append(totals, c.Criticality+":"+c.VulnerabilityCount)
	}
	sort.Strings(packages)
	sort.Strings(channels)
	if want := []string{"openssl@3.0.2 pkg:deb/ubuntu/openssl@3.0.2 HIGH:1", "zlib@1.2.11 pkg:deb/ubuntu/zlib@1.2.11 MEDIUM:1"}; !slices.Equal(packages, want) {
		t.Errorf("packages_by_criticality = %v, want %v", packages, want)
	}
	if want := []string{"production HIGH:1", "production MEDIUM:1", "staging HIGH:1", "staging MEDIUM:1"}; !slices.Equal(channels, want) {
		t.Errorf("channels_by_criticality = %v, want %v", channels, want)
	}
	if want := []string{"HIGH:1", "MEDIUM:1"}; !slices.Equal(totals, want) {
		t.Errorf("total_by_criticality = %v, want %v (most critical first)", totals, want)
	}
}

// ---- enforced blocks ----

const (
	blockHCL   = "provisioner \"shell\" {\n  inline = [\"echo enforced\"]\n}\n"
	blockHCLv2 = "provisioner \"shell\" {\n  inline = [\"echo enforced v2\"]\n}\n"
)

func (s *scenario2023) createBlockErr(body models.HashicorpCloudPacker20230101CreateEnforcedBlockBody) (*block23, error) {
	res, err := s.packer.PackerServiceCreateEnforcedBlock(&ps.PackerServiceCreateEnforcedBlockParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlock, nil
}

func wantBlockVersion(t *testing.T, what string, v *blockVer, blockID, version, content, description string) {
	t.Helper()
	if v == nil || !isULID(v.ID) || v.EnforcedBlockID != blockID || v.Version != version || v.BlockContent != content ||
		v.AdditionalDescription != description || v.TemplateType == nil || *v.TemplateType != hcl2 || v.CreatedAt.IsZero() {
		t.Fatalf("%s = %+v, want version %q of block %s, HCL2, content %q, description %q", what, v, version, blockID, content, description)
	}
}

func (s *scenario2023) createBlock(t *testing.T) {
	s.blockName = s.bucket + "-block"
	b, err := s.createBlockErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockBody{
		Name: s.blockName, TemplateType: hcl2.Pointer(), BlockContent: blockHCL, Version: "1.0.0",
		AdditionalDescription: "first", Labels: map[string]string{"team": "security"}})
	ok(t, "CreateEnforcedBlock", err)
	if b == nil || !isULID(b.ID) || b.Name != s.blockName || b.Labels["team"] != "security" || b.CreatedAt.IsZero() {
		t.Fatalf("CreateEnforcedBlock returned %+v", b)
	}
	if b.Location == nil || b.Location.OrganizationID != s.org || b.Location.ProjectID != s.proj {
		t.Errorf("block location = %+v", b.Location)
	}
	equal(t, "resource_name", b.ResourceName, "packer/project/"+s.proj+"/enforced-block/"+s.blockName)
	s.blockID = b.ID
	wantBlockVersion(t, "latest_version", b.LatestVersion, b.ID, "1.0.0", blockHCL, "first")
	s.blockV1 = b.LatestVersion.ID

	_, err = s.createBlockErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockBody{
		Name: s.blockName, TemplateType: hcl2.Pointer(), BlockContent: blockHCL})
	wantRPC(t, err, 409, 6)
	_, err = s.createBlockErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockBody{
		Name: s.blockName + "-nocontent", TemplateType: hcl2.Pointer()})
	wantRPC(t, err, 400, 3)
	_, err = s.createBlockErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockBody{
		Name: s.blockName + "-notype", BlockContent: blockHCL})
	wantRPC(t, err, 400, 3)
}

func (s *scenario2023) listBlocks(t *testing.T) {
	res, err := s.packer.PackerServiceListEnforcedBlocks(&ps.PackerServiceListEnforcedBlocksParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj}, nil)
	ok(t, "ListEnforcedBlocks", err)
	i := slices.IndexFunc(res.Payload.EnforcedBlocks, func(b *block23) bool { return b.ID == s.blockID })
	if i < 0 {
		t.Fatalf("block %s not listed", s.blockName)
	}
	b := res.Payload.EnforcedBlocks[i]
	equal(t, "listed name", b.Name, s.blockName)
	wantBlockVersion(t, "listed latest_version", b.LatestVersion, s.blockID, "1.0.0", blockHCL, "first")
	for _, other := range res.Payload.EnforcedBlocks {
		if strings.HasPrefix(other.Name, s.blockName+"-") {
			t.Errorf("a rejected block was kept: %s", other.Name)
		}
	}
}

func (s *scenario2023) blockErr(id string) (*block23, error) {
	res, err := s.packer.PackerServiceGetEnforcedBlock(&ps.PackerServiceGetEnforcedBlockParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: id}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlock, nil
}

func (s *scenario2023) getBlock(t *testing.T) {
	b, err := s.blockErr(s.blockID)
	ok(t, "GetEnforcedBlock", err)
	equal(t, "name", b.Name, s.blockName)
	equal(t, "labels.team", b.Labels["team"], "security")
	wantBlockVersion(t, "latest_version", b.LatestVersion, s.blockID, "1.0.0", blockHCL, "first")
	equal(t, "latest_version id", b.LatestVersion.ID, s.blockV1)
	_, err = s.blockErr("01HZZZZZZZZZZZZZZZZZZZZZZZ")
	wantRPC(t, err, 404, 5)
}

func (s *scenario2023) updateBlockErr(body models.HashicorpCloudPacker20230101UpdateEnforcedBlockBody) (*block23, error) {
	res, err := s.packer.PackerServiceUpdateEnforcedBlock(&ps.PackerServiceUpdateEnforcedBlockParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlock, nil
}

func (s *scenario2023) updateBlock(t *testing.T) {
	renamed := s.blockName + "-renamed"
	b, err := s.updateBlockErr(models.HashicorpCloudPacker20230101UpdateEnforcedBlockBody{
		Name: renamed, Labels: map[string]string{"team": "platform", "tier": "gold"}, UpdateMask: "name,labels"})
	ok(t, "UpdateEnforcedBlock", err)
	if b.ID != s.blockID || b.Name != renamed || b.Labels["team"] != "platform" || b.Labels["tier"] != "gold" {
		t.Fatalf("UpdateEnforcedBlock returned %+v", b)
	}
	s.blockName = renamed
	// only the masked paths change
	b, err = s.updateBlockErr(models.HashicorpCloudPacker20230101UpdateEnforcedBlockBody{
		Name: "ignored-" + renamed, Labels: map[string]string{"only": "this"}, UpdateMask: "labels"})
	ok(t, "UpdateEnforcedBlock(labels)", err)
	if b.Name != renamed || len(b.Labels) != 1 || b.Labels["only"] != "this" {
		t.Fatalf("UpdateEnforcedBlock(mask labels) returned name %q labels %v", b.Name, b.Labels)
	}
	got, err := s.blockErr(s.blockID)
	ok(t, "GetEnforcedBlock", err)
	if got.Name != renamed || got.Labels["only"] != "this" {
		t.Fatalf("after UpdateEnforcedBlock: name %q labels %v", got.Name, got.Labels)
	}
	_, err = s.updateBlockErr(models.HashicorpCloudPacker20230101UpdateEnforcedBlockBody{Name: "x", UpdateMask: "content"})
	wantRPC(t, err, 400, 3)
}

func (s *scenario2023) createBlockVersionErr(body models.HashicorpCloudPacker20230101CreateEnforcedBlockVersionBody) (*blockVer, error) {
	res, err := s.packer.PackerServiceCreateEnforcedBlockVersion(&ps.PackerServiceCreateEnforcedBlockVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlockVersion, nil
}

func (s *scenario2023) createBlockVersion(t *testing.T) {
	v, err := s.createBlockVersionErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockVersionBody{
		Version: "1.1.0", TemplateType: hcl2.Pointer(), BlockContent: blockHCLv2, AdditionalDescription: "second"})
	ok(t, "CreateEnforcedBlockVersion", err)
	wantBlockVersion(t, "CreateEnforcedBlockVersion", v, s.blockID, "1.1.0", blockHCLv2, "second")
	s.blockV2 = v.ID
	_, err = s.createBlockVersionErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockVersionBody{
		Version: "1.1.0", TemplateType: hcl2.Pointer(), BlockContent: blockHCLv2})
	wantRPC(t, err, 409, 6)
	_, err = s.createBlockVersionErr(models.HashicorpCloudPacker20230101CreateEnforcedBlockVersionBody{
		Version: "1.2.0", TemplateType: hcl2.Pointer()})
	wantRPC(t, err, 400, 3)
	b, err := s.blockErr(s.blockID)
	ok(t, "GetEnforcedBlock", err)
	wantBlockVersion(t, "latest_version after a new version", b.LatestVersion, s.blockID, "1.1.0", blockHCLv2, "second")
}

func (s *scenario2023) blockVersions(t *testing.T) map[string]*blockVer {
	t.Helper()
	res, err := s.packer.PackerServiceGetEnforcedBlockVersions(&ps.PackerServiceGetEnforcedBlockVersionsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID}, nil)
	ok(t, "GetEnforcedBlockVersions", err)
	found := map[string]*blockVer{}
	for _, d := range res.Payload.EnforcedBlockDetail {
		if d.ID != s.blockID || d.Name != s.blockName || d.Version == nil {
			t.Fatalf("version detail %+v, want block %s (%s) with a version", d, s.blockID, s.blockName)
		}
		found[d.Version.ID] = d.Version
	}
	return found
}

func (s *scenario2023) getBlockVersions(t *testing.T) {
	vs := s.blockVersions(t)
	if len(vs) != 2 {
		t.Fatalf("GetEnforcedBlockVersions = %d versions, want 2", len(vs))
	}
	wantBlockVersion(t, "version 1.0.0", vs[s.blockV1], s.blockID, "1.0.0", blockHCL, "first")
	wantBlockVersion(t, "version 1.1.0", vs[s.blockV2], s.blockID, "1.1.0", blockHCLv2, "second")
}

func (s *scenario2023) updateBlockVersionErr(versionID string, body models.HashicorpCloudPacker20230101UpdateEnforcedBlockVersionBody) (*blockVer, error) {
	res, err := s.packer.PackerServiceUpdateEnforcedBlockVersion(&ps.PackerServiceUpdateEnforcedBlockVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID,
		EnforcedBlockVersionID: versionID, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlockVersion, nil
}

func (s *scenario2023) updateBlockVersion(t *testing.T) {
	v, err := s.updateBlockVersionErr(s.blockV1, models.HashicorpCloudPacker20230101UpdateEnforcedBlockVersionBody{
		AdditionalDescription: "first, described again", UpdateMask: "additionalDescription"})
	ok(t, "UpdateEnforcedBlockVersion", err)
	wantBlockVersion(t, "UpdateEnforcedBlockVersion", v, s.blockID, "1.0.0", blockHCL, "first, described again")
	equal(t, "updated version id", v.ID, s.blockV1)
	wantBlockVersion(t, "after GetEnforcedBlockVersions", s.blockVersions(t)[s.blockV1], s.blockID, "1.0.0", blockHCL, "first, described again")
	_, err = s.updateBlockVersionErr(s.blockV1, models.HashicorpCloudPacker20230101UpdateEnforcedBlockVersionBody{
		AdditionalDescription: "x"})
	wantRPC(t, err, 400, 3)
	_, err = s.updateBlockVersionErr("01HZZZZZZZZZZZZZZZZZZZZZZZ", models.HashicorpCloudPacker20230101UpdateEnforcedBlockVersionBody{
		AdditionalDescription: "x", UpdateMask: "additionalDescription"})
	wantRPC(t, err, 404, 5)
}

func (s *scenario2023) linkErr(versionID string, names []string) ([]*models.HashicorpCloudPacker20230101EnforcedBlockBucket, error) {
	res, err := s.packer.PackerServiceManageEnforcedBlockLinkedBuckets(&ps.PackerServiceManageEnforcedBlockLinkedBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID,
		EnforcedBlockVersionID: versionID, Body: &models.HashicorpCloudPacker20230101ManageEnforcedBlockLinkedBucketsBody{BucketNames: names}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.EnforcedBlockBuckets, nil
}

func (s *scenario2023) linked(t *testing.T, versionID string) []*models.HashicorpCloudPacker20230101EnforcedBlockLinkedBucket {
	t.Helper()
	res, err := s.packer.PackerServiceGetEnforcedBlockLinkedBuckets(&ps.PackerServiceGetEnforcedBlockLinkedBucketsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID,
		EnforcedBlockVersionID: versionID}, nil)
	ok(t, "GetEnforcedBlockLinkedBuckets", err)
	return res.Payload.LinkedBuckets
}

func (s *scenario2023) bucketBlocks(t *testing.T) []*models.HashicorpCloudPacker20230101EnforcedBlockDetail {
	t.Helper()
	res, err := s.packer.PackerServiceGetEnforcedBlocksByBucket(&ps.PackerServiceGetEnforcedBlocksByBucketParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket}, nil)
	ok(t, "GetEnforcedBlocksByBucket", err)
	return res.Payload.EnforcedBlockDetail
}

func (s *scenario2023) manageLinks(t *testing.T) {
	bucketID := s.getBucketPayload(t, s.bucket).ID
	links, err := s.linkErr(s.blockV1, []string{s.bucket})
	ok(t, "ManageEnforcedBlockLinkedBuckets(1.0.0)", err)
	if len(links) != 1 || !isULID(links[0].ID) || links[0].BucketID != bucketID || links[0].EnforcedBlockID != s.blockID ||
		links[0].EnforcedBlockVersionID != s.blockV1 || links[0].CreatedAt.IsZero() {
		t.Fatalf("ManageEnforcedBlockLinkedBuckets(1.0.0) = %+v", links)
	}
	// linking 1.1.0 to the same bucket replaces the block's link at 1.0.0
	links, err = s.linkErr(s.blockV2, []string{s.bucket})
	ok(t, "ManageEnforcedBlockLinkedBuckets(1.1.0)", err)
	if len(links) != 1 || links[0].BucketID != bucketID || links[0].EnforcedBlockVersionID != s.blockV2 {
		t.Fatalf("ManageEnforcedBlockLinkedBuckets(1.1.0) = %+v", links)
	}
	_, err = s.linkErr(s.blockV2, []string{s.bucket, s.bucket + "-missing"})
	wantRPC(t, err, 404, 5)
	_, err = s.linkErr("01HZZZZZZZZZZZZZZZZZZZZZZZ", []string{s.bucket})
	wantRPC(t, err, 404, 5)
}

func (s *scenario2023) linkedBuckets(t *testing.T) {
	if old := s.linked(t, s.blockV1); len(old) != 0 {
		t.Fatalf("1.0.0 still linked to %d buckets after 1.1.0 replaced it", len(old))
	}
	links := s.linked(t, s.blockV2)
	if len(links) != 1 || links[0].Bucket == nil || links[0].Bucket.Name != s.bucket || links[0].EnforcedBlockID != s.blockID ||
		links[0].EnforcedBlockVersionID != s.blockV2 || !isULID(links[0].ID) || links[0].CreatedAt.IsZero() {
		t.Fatalf("GetEnforcedBlockLinkedBuckets(1.1.0) = %+v", links)
	}
	equal(t, "linked bucket id", links[0].Bucket.ID, s.getBucketPayload(t, s.bucket).ID)
}

// blocksByBucket: what Packer ≥ 1.10 injects into a build of the linked bucket.
func (s *scenario2023) blocksByBucket(t *testing.T) {
	found := s.bucketBlocks(t)
	if len(found) != 1 || found[0].ID != s.blockID || found[0].Name != s.blockName {
		t.Fatalf("GetEnforcedBlocksByBucket = %+v, want block %s (%s)", found, s.blockID, s.blockName)
	}
	wantBlockVersion(t, "enforced version", found[0].Version, s.blockID, "1.1.0", blockHCLv2, "second")
	equal(t, "enforced version id", found[0].Version.ID, s.blockV2)
}

func (s *scenario2023) deleteBlockVersion(t *testing.T) {
	_, err := s.packer.PackerServiceDeleteEnforcedBlockVersion(&ps.PackerServiceDeleteEnforcedBlockVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID,
		EnforcedBlockVersionID: s.blockV1}, nil)
	ok(t, "DeleteEnforcedBlockVersion", err)
	vs := s.blockVersions(t)
	if len(vs) != 1 || vs[s.blockV2] == nil {
		t.Fatalf("versions after deleting 1.0.0 = %v, want just 1.1.0", vs)
	}
	_, err = s.updateBlockVersionErr(s.blockV1, models.HashicorpCloudPacker20230101UpdateEnforcedBlockVersionBody{
		AdditionalDescription: "x", UpdateMask: "additionalDescription"})
	wantRPC(t, err, 404, 5)
	s.blocksByBucket(t) // the linked 1.1.0 is still enforced
}

func (s *scenario2023) deleteBlock(t *testing.T) {
	_, err := s.packer.PackerServiceDeleteEnforcedBlock(&ps.PackerServiceDeleteEnforcedBlockParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID}, nil)
	ok(t, "DeleteEnforcedBlock", err)
	_, err = s.blockErr(s.blockID)
	wantRPC(t, err, 404, 5)
	s.blockID = ""
	if found := s.bucketBlocks(t); len(found) != 0 {
		t.Fatalf("GetEnforcedBlocksByBucket after DeleteEnforcedBlock = %+v", found)
	}
}

func (s *scenario2023) cleanupBlock(t *testing.T) {
	if s.blockID == "" {
		return
	}
	if _, err := s.packer.PackerServiceDeleteEnforcedBlock(&ps.PackerServiceDeleteEnforcedBlockParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, EnforcedBlockID: s.blockID}, nil); err != nil {
		t.Logf("cleanup: DeleteEnforcedBlock: %v", err)
	}
}
