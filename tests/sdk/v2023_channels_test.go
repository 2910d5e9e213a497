package sdk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/swag"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2023-01-01/models"
)

type (
	channel23  = models.HashicorpCloudPacker20230101Channel
	relation23 = models.HashicorpCloudPacker20230101BucketAncestry
)

const (
	latest     = "latest" // the managed channel every bucket has
	production = "production"
	staging    = "staging"
)

func (s *scenario2023) channels(t *testing.T, bucket string) []*channel23 {
	t.Helper()
	res, err := s.packer.PackerServiceListChannels(&ps.PackerServiceListChannelsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket}, nil)
	ok(t, "ListChannels", err)
	return res.Payload.Channels
}

func (s *scenario2023) channelErr(bucket, name string) (*channel23, error) {
	res, err := s.packer.PackerServiceGetChannel(&ps.PackerServiceGetChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket, ChannelName: name}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Channel, nil
}

func (s *scenario2023) channel(t *testing.T, bucket, name string) *channel23 {
	t.Helper()
	ch, err := s.channelErr(bucket, name)
	ok(t, "GetChannel "+name, err)
	return ch
}

func (s *scenario2023) newChannel(name, fingerprint string) (*channel23, error) {
	res, err := s.packer.PackerServiceCreateChannel(&ps.PackerServiceCreateChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Body: &models.HashicorpCloudPacker20230101CreateChannelBody{Name: name, VersionFingerprint: fingerprint}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Channel, nil
}

func (s *scenario2023) createChannels(t *testing.T) {
	ch, err := s.newChannel(production, s.fp1)
	ok(t, "CreateChannel "+production, err)
	if !isULID(ch.ID) || ch.Name != production || ch.BucketName != s.bucket || ch.Managed || ch.Restricted || ch.AuthorID == "" {
		t.Fatalf("CreateChannel returned %+v", ch)
	}
	wantVersion(t, "new channel's version", ch.Version, s.v1, "v1", active)
	s.productionID = ch.ID
	_, err = s.newChannel(production, "")
	wantRPC(t, err, 409, 6)

	ch, err = s.newChannel(staging, "")
	ok(t, "CreateChannel "+staging, err)
	if ch.Name != staging || ch.Version != nil {
		t.Fatalf("CreateChannel without a version returned %+v (version %+v)", ch, ch.Version)
	}
}

func (s *scenario2023) updateChannelErr(bucket, name string, body models.HashicorpCloudPacker20230101UpdateChannelBody) (*channel23, error) {
	res, err := s.packer.PackerServiceUpdateChannel(&ps.PackerServiceUpdateChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		ChannelName: name, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Channel, nil
}

// assign points a channel of the first bucket at a version, as Packer ≥ 1.10 does after a build.
func (s *scenario2023) assign(t *testing.T, name, fingerprint, wantID string) *channel23 {
	t.Helper()
	ch, err := s.updateChannelErr(s.bucket, name, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: fingerprint, UpdateMask: "versionFingerprint"})
	ok(t, "UpdateChannel "+name, err)
	if ch.Version == nil || ch.Version.ID != wantID || ch.Version.Fingerprint != fingerprint {
		t.Fatalf("UpdateChannel(%s -> %s) assigned %+v, want version %s", name, fingerprint, ch.Version, wantID)
	}
	return ch
}

func want4xx(t *testing.T, what string, err error) {
	t.Helper()
	if e, isRPC := err.(rpcError); !isRPC || e.Code() < 400 || e.Code() >= 500 {
		t.Fatalf("%s: want a 4xx API error, got %v", what, err)
	}
}

func (s *scenario2023) updateChannel(t *testing.T) {
	_, err := s.updateChannelErr(s.bucket, production, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fp2})
	wantRPC(t, err, 400, 3) // no update_mask

	ch := s.assign(t, production, s.fp2, s.v2)
	wantVersion(t, "production", ch.Version, s.v2, "v2", active)
	if ch.Restricted {
		t.Fatalf("assigning restricted the channel")
	}

	ch, err = s.updateChannelErr(s.bucket, production, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fp1, Restricted: true, UpdateMask: "versionFingerprint,restricted"})
	ok(t, "UpdateChannel(versionFingerprint,restricted)", err)
	wantVersion(t, "production", ch.Version, s.v1, "v1", active)
	equal(t, "restricted", ch.Restricted, true)

	// restricted=false is omitted from the generated body: the mask alone must clear it.
	ch, err = s.updateChannelErr(s.bucket, production, models.HashicorpCloudPacker20230101UpdateChannelBody{
		UpdateMask: "restricted"})
	ok(t, "UpdateChannel(restricted=false)", err)
	equal(t, "restricted", ch.Restricted, false)
	wantVersion(t, "production after a restricted-only update", ch.Version, s.v1, "v1", active)

	// Only complete versions can be assigned.
	s.newVersion(t, s.bucket, s.fpDelete)
	_, err = s.updateChannelErr(s.bucket, production, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fpDelete, UpdateMask: "versionFingerprint"})
	want4xx(t, "assigning an incomplete version", err)

	_, err = s.updateChannelErr(s.bucket, "missing", models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fp1, UpdateMask: "versionFingerprint"})
	wantRPC(t, err, 404, 5) // no auto-create
}

func (s *scenario2023) updateLatest(t *testing.T) {
	_, err := s.updateChannelErr(s.bucket, latest, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fp1, UpdateMask: "versionFingerprint"})
	wantRPC(t, err, 400, 9)
	wantVersion(t, "latest after a refused update", s.channel(t, s.bucket, latest).Version, s.v2, "v2", active)
}

func (s *scenario2023) getChannel(t *testing.T) {
	ch := s.channel(t, s.bucket, production)
	if ch.ID != s.productionID || ch.Managed || ch.Restricted || ch.AuthorID == "" || ch.CreatedAt.IsZero() || ch.UpdatedAt.IsZero() {
		t.Fatalf("GetChannel = %+v", ch)
	}
	v := ch.Version
	wantVersion(t, "production", v, s.v1, "v1", active)
	if len(v.Builds) != 2 {
		t.Fatalf("channel embeds %d builds, want 2", len(v.Builds))
	}
	for _, b := range v.Builds {
		if len(b.Artifacts) != 1 || b.Artifacts[0].ExternalIdentifier == "" || b.Artifacts[0].Region == "" || b.Platform == "" {
			t.Fatalf("embedded build %s lacks its artifact: %+v", b.ComponentType, b)
		}
	}
	l := s.channel(t, s.bucket, latest)
	if l.ID != s.latestID || !l.Managed {
		t.Fatalf("GetChannel latest = %+v, want managed %s", l, s.latestID)
	}
	wantVersion(t, "latest", l.Version, s.v2, "v2", active)
	_, err := s.channelErr(s.bucket, "missing")
	wantRPC(t, err, 404, 5)
}

func (s *scenario2023) assignErr(source, target string) (*models.HashicorpCloudPacker20230101AssignChannelVersionResponse, error) {
	res, err := s.packer.PackerServiceAssignChannelVersion(&ps.PackerServiceAssignChannelVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Body: &models.HashicorpCloudPacker20230101AssignChannelVersionBody{SourceChannel: source, TargetChannel: target}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload, nil
}

func (s *scenario2023) assignChannel(t *testing.T) {
	_, err := s.assignErr(staging, production) // staging has no version yet
	wantRPC(t, err, 400, 9)
	_, err = s.assignErr(production, latest)
	wantRPC(t, err, 400, 9)

	res, err := s.assignErr(production, staging)
	ok(t, "AssignChannelVersion", err)
	equal(t, "fingerprint", res.Fingerprint, s.fp1)
	wantVersion(t, "assigned version", res.Version, s.v1, "v1", active)
	if res.SourceChannel == nil || res.SourceChannel.Name != production || res.TargetChannel == nil || res.TargetChannel.Name != staging {
		t.Fatalf("AssignChannelVersion channels = %+v -> %+v", res.SourceChannel, res.TargetChannel)
	}
	wantVersion(t, "target channel", res.TargetChannel.Version, s.v1, "v1", active)
	wantVersion(t, "staging after GetChannel", s.channel(t, s.bucket, staging).Version, s.v1, "v1", active)
}

func (s *scenario2023) listChannels(t *testing.T) {
	got := map[string]string{}
	for _, ch := range s.channels(t, s.bucket) {
		name := "-"
		if ch.Version != nil {
			name = ch.Version.Name
		}
		got[ch.Name] = name
		equal(t, "managed of "+ch.Name, ch.Managed, ch.Name == latest)
	}
	if len(got) != 3 || got[latest] != "v2" || got[production] != "v1" || got[staging] != "v1" {
		t.Fatalf("ListChannels = %v, want latest:v2 production:v1 staging:v1", got)
	}
}

// history answers a channel's assignments, newest first, as version names.
func (s *scenario2023) history(t *testing.T, bucket, name string) []string {
	t.Helper()
	res, err := s.packer.PackerServiceListChannelAssignmentHistory(&ps.PackerServiceListChannelAssignmentHistoryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket, ChannelName: name}, nil)
	ok(t, "ListChannelAssignmentHistory "+name, err)
	var names []string
	for _, h := range res.Payload.History {
		if h.Version == nil || h.AssignedAt.IsZero() || h.AuthorID == "" {
			t.Fatalf("history entry without version, assigned_at or author: %+v", h)
		}
		names = append(names, h.Version.Name)
	}
	equal(t, "history count of "+name, int(res.Payload.Count), len(names))
	return names
}

func (s *scenario2023) channelHistory(t *testing.T) {
	// created on v1, moved to v2, back to v1 (with restricted); the restricted-only update is no assignment
	if got := s.history(t, s.bucket, production); !slices.Equal(got, []string{"v1", "v2", "v1"}) {
		t.Fatalf("production history = %v, want [v1 v2 v1]", got)
	}
	if got := s.history(t, s.bucket, latest); !slices.Equal(got, []string{"v2", "v1"}) {
		t.Fatalf("latest history = %v, want [v2 v1] (newest first)", got)
	}
	if got := s.history(t, s.bucket, staging); !slices.Equal(got, []string{"v1"}) {
		t.Fatalf("staging history = %v, want [v1]", got)
	}
}

func (s *scenario2023) ancestry(t *testing.T, bucket, kind string) []*relation23 {
	t.Helper()
	p := &ps.PackerServiceListBucketAncestryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket}
	if kind != "" {
		p.Type = swag.String(kind)
	}
	res, err := s.packer.PackerServiceListBucketAncestry(p, nil)
	ok(t, "ListBucketAncestry "+bucket, err)
	if int(res.Payload.TotalCount) != len(res.Payload.Relations) {
		t.Errorf("total_count = %d with %d relations", res.Payload.TotalCount, len(res.Payload.Relations))
	}
	return res.Payload.Relations
}

// relation finds the relation v1 (via production) -> the child bucket's v1 and checks its ends.
func (s *scenario2023) relation(t *testing.T, rels []*relation23, channelAt, channelFP string, status models.HashicorpCloudPacker20230101AncestryStatus) {
	t.Helper()
	for _, r := range rels {
		if r.Parent == nil || r.Child == nil || r.Parent.BucketName != s.bucket || r.Child.BucketName != s.child {
			continue
		}
		p, c := r.Parent, r.Child
		if p.VersionID != s.v1 || p.VersionName != "v1" || p.VersionFingerprint != s.fp1 || p.ChannelName != production {
			t.Fatalf("relation parent = %+v, want %s v1 %s via %s", p, s.v1, s.fp1, production)
		}
		if c.VersionID != s.vChild || c.VersionName != "v1" || c.VersionFingerprint != s.fpChild {
			t.Fatalf("relation child = %+v, want %s v1 %s", c, s.vChild, s.fpChild)
		}
		if p.ChannelVersion == nil || p.ChannelVersion.Name != channelAt || p.ChannelVersion.Fingerprint != channelFP {
			t.Fatalf("parent channel_version = %+v, want %s (%s)", p.ChannelVersion, channelAt, channelFP)
		}
		if r.Status == nil || *r.Status != status {
			t.Fatalf("ancestry status = %v, want %s", r.Status, status)
		}
		return
	}
	t.Fatalf("no relation %s -> %s in %d relations", s.bucket, s.child, len(rels))
}

func (s *scenario2023) listBucketAncestry(t *testing.T) {
	s.newBucket(t, s.child)
	s.vChild = s.newVersion(t, s.child, s.fpChild).ID
	b := s.startBuild(t, s.child, s.fpChild, "amazon-ebs.app")
	s.childBuild = b.ID
	s.finish(t, s.child, s.fpChild, b.ID, "aws", "ami-0child", "us-east-1", buildBody23{
		ParentVersionID: s.v1, ParentChannelID: s.productionID, SourceExternalIdentifier: "ami-0123456789"})
	wantVersion(t, "child version", s.version(t, s.child, s.fpChild), s.vChild, "v1", active)

	upToDate := models.HashicorpCloudPacker20230101AncestryStatusUPTODATE
	s.relation(t, s.ancestry(t, s.child, "ANCESTRY_TYPE_PARENTS"), "v1", s.fp1, upToDate)
	s.relation(t, s.ancestry(t, s.child, ""), "v1", s.fp1, upToDate)
	s.relation(t, s.ancestry(t, s.bucket, "ANCESTRY_TYPE_CHILDREN"), "v1", s.fp1, upToDate)
	if rels := s.ancestry(t, s.bucket, "ANCESTRY_TYPE_PARENTS"); len(rels) != 0 {
		t.Fatalf("the parent bucket has parents: %+v", rels)
	}

	s.assign(t, production, s.fp2, s.v2)
	outOfDate := models.HashicorpCloudPacker20230101AncestryStatusOUTOFDATE
	s.relation(t, s.ancestry(t, s.child, "ANCESTRY_TYPE_PARENTS"), "v2", s.fp2, outOfDate)
	s.relation(t, s.ancestry(t, s.bucket, "ANCESTRY_TYPE_CHILDREN"), "v2", s.fp2, outOfDate)
}

// ancestrySummary: buckets and versions carry their overall ancestry status
// (spec: Bucket.parents, Bucket.children, Version.parents), OUT_OF_DATE here
// because production moved from v1 (the child's parent) to v2.
func (s *scenario2023) ancestrySummary(t *testing.T) {
	outOfDate := models.HashicorpCloudPacker20230101AncestryStatusOUTOFDATE
	summary := func(what string, status *models.HashicorpCloudPacker20230101AncestryStatus, present bool) string {
		switch {
		case !present:
			return what + " absent"
		case status == nil || *status != outOfDate:
			return fmt.Sprintf("%s status %v", what, status)
		}
		return ""
	}
	var problems []string
	child := s.getBucketPayload(t, s.child)
	parent := s.getBucketPayload(t, s.bucket)
	version := s.version(t, s.child, s.fpChild)
	for _, p := range []string{
		summary("child bucket parents", statusOf(child.Parents), child.Parents != nil),
		summary("parent bucket children", statusOfChildren(parent.Children), parent.Children != nil),
		summary("child version parents", statusOfVersion(version.Parents), version.Parents != nil),
	} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		t.Fatalf("want OUT_OF_DATE ancestry summaries, got: %s", strings.Join(problems, "; "))
	}
}

func statusOf(p *models.HashicorpCloudPacker20230101BucketParents) *models.HashicorpCloudPacker20230101AncestryStatus {
	if p == nil {
		return nil
	}
	return p.Status
}

func statusOfChildren(c *models.HashicorpCloudPacker20230101BucketChildren) *models.HashicorpCloudPacker20230101AncestryStatus {
	if c == nil {
		return nil
	}
	return c.Status
}

func statusOfVersion(p *models.HashicorpCloudPacker20230101VersionParents) *models.HashicorpCloudPacker20230101AncestryStatus {
	if p == nil {
		return nil
	}
	return p.Status
}

// parentSetOnce: a build's parent version and channel are set once; the same value again is fine.
func (s *scenario2023) parentSetOnce(t *testing.T) {
	_, err := s.setBuildErr(s.child, s.fpChild, s.childBuild, buildBody23{ParentVersionID: s.v2})
	wantRPC(t, err, 409, 6)
	_, err = s.setBuildErr(s.child, s.fpChild, s.childBuild, buildBody23{ParentChannelID: s.latestID})
	wantRPC(t, err, 409, 6)
	_, err = s.setBuildErr(s.child, s.fpChild, s.childBuild, buildBody23{ParentVersionID: s.v1, ParentChannelID: s.productionID})
	ok(t, "UpdateBuild with the same parents", err)
}

func (s *scenario2023) updateVersion(t *testing.T, bucket, fingerprint string, body models.HashicorpCloudPacker20230101UpdateVersionBody) *version23 {
	t.Helper()
	v, err := s.updateVersionErr(bucket, fingerprint, body)
	ok(t, "UpdateVersion "+fingerprint, err)
	return v
}

func (s *scenario2023) updateVersionErr(bucket, fingerprint string, body models.HashicorpCloudPacker20230101UpdateVersionBody) (*version23, error) {
	res, err := s.packer.PackerServiceUpdateVersion(&ps.PackerServiceUpdateVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: bucket,
		Fingerprint: fingerprint, Body: &body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Version, nil
}

func near(t *testing.T, what string, got strfmt.DateTime, want time.Time, slack time.Duration) {
	t.Helper()
	if at := time.Time(got); at.Before(want.Add(-slack)) || at.After(want.Add(slack)) {
		t.Fatalf("%s = %v, want about %v", what, at, want)
	}
}

// wantRevocation checks a version's revocation fields; inheritedFrom is the root's id for an inherited one.
func (s *scenario2023) wantRevocation(t *testing.T, what string, v *version23, status models.HashicorpCloudPacker20230101VersionStatus, message, inheritedFrom string) {
	t.Helper()
	if versionStatus(v) != status || v.RevokeAt.IsZero() || v.RevocationMessage != message || v.RevocationAuthor == "" {
		t.Fatalf("%s: status=%s revoke_at=%v message=%q author=%q, want %s with message %q",
			what, versionStatus(v), v.RevokeAt, v.RevocationMessage, v.RevocationAuthor, status, message)
	}
	kind := models.HashicorpCloudPacker20230101RevocationTypeMANUAL
	if inheritedFrom != "" {
		kind = models.HashicorpCloudPacker20230101RevocationTypeINHERITED
	}
	if v.RevocationType == nil || *v.RevocationType != kind {
		t.Fatalf("%s: revocation_type = %v, want %s", what, v.RevocationType, kind)
	}
	from := v.RevocationInheritedFrom
	if inheritedFrom == "" {
		if from != nil {
			t.Fatalf("%s: a manual revocation with revocation_inherited_from %+v", what, from)
		}
		return
	}
	if from == nil || from.VersionID != inheritedFrom || from.BucketName != s.bucket || from.VersionName != "v3" || from.VersionFingerprint != s.fp3 {
		t.Fatalf("%s: revocation_inherited_from = %+v, want %s/v3 (%s, %s)", what, from, s.bucket, inheritedFrom, s.fp3)
	}
}

func wantNotRevoked(t *testing.T, what string, v *version23) {
	t.Helper()
	if versionStatus(v) != active || !v.RevokeAt.IsZero() || v.RevocationMessage != "" || v.RevocationType != nil || v.RevocationInheritedFrom != nil {
		t.Fatalf("%s: status=%s revoke_at=%v message=%q type=%v from=%+v, want an active, unrevoked version",
			what, versionStatus(v), v.RevokeAt, v.RevocationMessage, v.RevocationType, v.RevocationInheritedFrom)
	}
}

// revokeVersion revokes a version of its own (v3) that a user channel points
// at and a child version was built from: the channel rolls back by default and
// the child inherits the revocation.
func (s *scenario2023) revokeVersion(t *testing.T) {
	if s.v3 == "" {
		v := s.complete(t, s.bucket, s.fp3, "ami-0revoke", buildBody23{})
		wantVersion(t, "third version", v, "", "v3", active)
		s.v3 = v.ID
		child := s.complete(t, s.child, s.fpRevokeChild, "ami-0revokechild", buildBody23{ParentVersionID: s.v3})
		wantVersion(t, "child of v3", child, "", "v2", active)
		s.vRevokeChild = child.ID
	}
	s.assign(t, staging, s.fp3, s.v3)

	now := time.Now().UTC()
	v := s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{
		RevokeAt: strfmt.DateTime(now), RevocationMessage: "CVE in base image"})
	s.wantRevocation(t, "UpdateVersion(revoke)", v, revoked, "CVE in base image", "")
	near(t, "revoke_at", v.RevokeAt, now, 2*time.Second)
	s.wantRevocation(t, "GetVersion after revoke", s.version(t, s.bucket, s.fp3), revoked, "CVE in base image", "")

	wantVersion(t, "staging after rollback", s.channel(t, s.bucket, staging).Version, s.v1, "v1", active)
	s.wantRevocation(t, "child of the revoked version", s.version(t, s.child, s.fpRevokeChild), revoked, "CVE in base image", s.v3)

	_, err := s.updateChannelErr(s.bucket, staging, models.HashicorpCloudPacker20230101UpdateChannelBody{
		VersionFingerprint: s.fp3, UpdateMask: "versionFingerprint"})
	want4xx(t, "assigning a revoked version", err)
}

// restoreVersion: the generated body always carries revoke_at, zero here.
func (s *scenario2023) restoreVersion(t *testing.T) {
	v := s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{Restore: true})
	wantVersion(t, "UpdateVersion(restore)", v, s.v3, "v3", active)
	wantNotRevoked(t, "restored version", s.version(t, s.bucket, s.fp3))
	wantNotRevoked(t, "child of the restored version", s.version(t, s.child, s.fpRevokeChild))
	s.assign(t, staging, s.fp3, s.v3)
}

func (s *scenario2023) revokeWithoutRollback(t *testing.T) {
	s.assign(t, staging, s.fp3, s.v3)
	v := s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{
		RevokeIn: "0s", RevocationMessage: "kept on its channels",
		DisableRollbackChannels: true, SkipDescendantsRevocation: true})
	s.wantRevocation(t, "UpdateVersion(revoke_in 0s)", v, revoked, "kept on its channels", "")
	st := s.channel(t, s.bucket, staging)
	if st.Version == nil || st.Version.ID != s.v3 || versionStatus(st.Version) != revoked {
		t.Fatalf("staging with disable_rollback_channels = %+v, want the revoked v3", st.Version)
	}
	wantNotRevoked(t, "child with skip_descendants_revocation", s.version(t, s.child, s.fpRevokeChild))
	s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{Restore: true})
	wantNotRevoked(t, "restored version", s.version(t, s.bucket, s.fp3))
	s.assign(t, staging, s.fp1, s.v1)
}

// scheduleRevocation revokes v3 30 days ahead: scheduled for it and its child.
func (s *scenario2023) scheduleRevocation(t *testing.T) {
	want := time.Now().UTC().Add(30 * 24 * time.Hour)
	v := s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{
		RevokeIn: "30d", RevocationMessage: "end of life"})
	s.wantRevocation(t, "UpdateVersion(revoke_in 30d)", v, scheduled, "end of life", "")
	near(t, "revoke_at", v.RevokeAt, want, time.Minute)
	s.wantRevocation(t, "child of a version scheduled for revocation", s.version(t, s.child, s.fpRevokeChild),
		scheduled, "end of life", s.v3)
	s.updateVersion(t, s.bucket, s.fp3, models.HashicorpCloudPacker20230101UpdateVersionBody{Restore: true})
	wantNotRevoked(t, "after restore", s.version(t, s.bucket, s.fp3))
	wantNotRevoked(t, "child after restore", s.version(t, s.child, s.fpRevokeChild))
}

// completeVersion: complete=true on a finished version is a no-op that must not
// be read as a revocation at the zero revoke_at; an unfinished one cannot complete.
func (s *scenario2023) completeVersion(t *testing.T) {
	v := s.updateVersion(t, s.bucket, s.fp1, models.HashicorpCloudPacker20230101UpdateVersionBody{Complete: true})
	wantVersion(t, "UpdateVersion(complete)", v, s.v1, "v1", active)
	wantNotRevoked(t, "after complete", s.version(t, s.bucket, s.fp1))
	_, err := s.updateVersionErr(s.bucket, s.fpDelete, models.HashicorpCloudPacker20230101UpdateVersionBody{Complete: true})
	wantRPC(t, err, 400, 9)
	wantVersion(t, "unfinished version", s.version(t, s.bucket, s.fpDelete), "", "v0", running)
}

func (s *scenario2023) deleteChannelErr(name string) error {
	_, err := s.packer.PackerServiceDeleteChannel(&ps.PackerServiceDeleteChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket, ChannelName: name}, nil)
	return err
}

func (s *scenario2023) deleteChannel(t *testing.T) {
	wantRPC(t, s.deleteChannelErr(latest), 400, 3)
	ok(t, "DeleteChannel "+staging, s.deleteChannelErr(staging))
	_, err := s.channelErr(s.bucket, staging)
	wantRPC(t, err, 404, 5)
	for _, ch := range s.channels(t, s.bucket) {
		if ch.Name == staging {
			t.Fatalf("deleted channel %s still listed", staging)
		}
	}
}

func (s *scenario2023) deleteBuild(t *testing.T) {
	b := s.startBuild(t, s.bucket, s.fpDelete, components[0])
	_, err := s.packer.PackerServiceDeleteBuild(&ps.PackerServiceDeleteBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fpDelete, BuildID: b.ID}, nil)
	ok(t, "DeleteBuild", err)
	_, err = s.getBuildErr(s.bucket, s.fpDelete, b.ID)
	wantRPC(t, err, 404, 5)
	if bs := s.buildList(t, s.bucket, s.fpDelete); len(bs) != 0 {
		t.Fatalf("ListBuilds after DeleteBuild = %+v", bs)
	}
}

func (s *scenario2023) deleteVersion(t *testing.T) {
	_, err := s.packer.PackerServiceDeleteVersion(&ps.PackerServiceDeleteVersionParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketName: s.bucket,
		Fingerprint: s.fpDelete}, nil)
	ok(t, "DeleteVersion", err)
	_, err = s.getVersionErr(s.bucket, s.fpDelete)
	wantRPC(t, err, 409, 10) // an unknown fingerprint again
	for _, v := range s.versions(t, s.bucket) {
		if v.Fingerprint == s.fpDelete {
			t.Fatalf("deleted version %s still listed", s.fpDelete)
		}
	}
}
