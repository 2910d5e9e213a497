package sdk

import (
	"slices"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/swag"
	ps "github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/client/packer_service"
	"github.com/hashicorp/hcp-sdk-go/clients/cloud-packer-service/stable/2021-04-30/models"
)

const channel = "production"

func (s *scenario) createChannelNamed(slug string) (*models.HashicorpCloudPackerChannel, error) {
	res, err := s.packer.PackerServiceCreateChannel(&ps.PackerServiceCreateChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket,
		Body: ps.PackerServiceCreateChannelBody{Slug: slug}}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Channel, nil
}

func (s *scenario) createChannel(t *testing.T) {
	ch, err := s.createChannelNamed(channel)
	ok(t, "CreateChannel", err)
	if !isULID(ch.ID) || ch.Slug != channel || ch.BucketSlug != s.bucket || ch.Managed {
		t.Fatalf("CreateChannel returned %+v", ch)
	}
	if ch.Iteration != nil && ch.Iteration.ID != "" {
		t.Errorf("a new channel has iteration %s", ch.Iteration.ID)
	}
	s.channelID = ch.ID
	_, err = s.createChannelNamed(channel)
	wantRPC(t, err, 409, 6)
}

// assign points the channel at an iteration given by one identifier, as the 2021 API allows.
func (s *scenario) assign(body ps.PackerServiceUpdateChannelBody) (*models.HashicorpCloudPackerChannel, error) {
	res, err := s.packer.PackerServiceUpdateChannel(&ps.PackerServiceUpdateChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: channel,
		Body: body}, nil)
	if err != nil {
		return nil, err
	}
	return res.Payload.Channel, nil
}

func (s *scenario) mustAssign(t *testing.T, body ps.PackerServiceUpdateChannelBody, want string) {
	t.Helper()
	ch, err := s.assign(body)
	ok(t, "UpdateChannel", err)
	if ch.Iteration == nil || ch.Iteration.ID != want {
		t.Fatalf("UpdateChannel(%+v) assigned %+v, want iteration %s", body, ch.Iteration, want)
	}
}

func (s *scenario) updateChannel(t *testing.T) {
	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{IterationID: s.it1}, s.it1)
	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{Fingerprint: s.fp2}, s.it2)
	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{IncrementalVersion: 1}, s.it1)
}

func (s *scenario) channel(t *testing.T) *models.HashicorpCloudPackerChannel {
	t.Helper()
	res, err := s.packer.PackerServiceGetChannel(&ps.PackerServiceGetChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: channel}, nil)
	ok(t, "GetChannel", err)
	return res.Payload.Channel
}

func (s *scenario) getChannel(t *testing.T) {
	ch := s.channel(t)
	equal(t, "channel id", ch.ID, s.channelID)
	it := ch.Iteration
	if it == nil || it.ID != s.it1 || !it.Complete || it.IncrementalVersion != 1 || len(it.Builds) != 2 {
		t.Fatalf("GetChannel embeds %+v, want complete iteration %s v1 with 2 builds", it, s.it1)
	}
	for _, b := range it.Builds {
		if len(b.Images) != 1 || b.Images[0].ImageID == "" || b.Images[0].Region == "" || b.CloudProvider == "" {
			t.Fatalf("embedded build %s lacks its image: %+v", b.ComponentType, b)
		}
	}
}

func (s *scenario) listChannels(t *testing.T) {
	res, err := s.packer.PackerServiceListChannels(&ps.PackerServiceListChannelsParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket}, nil)
	ok(t, "ListChannels", err)
	i := slices.IndexFunc(res.Payload.Channels, func(c *models.HashicorpCloudPackerChannel) bool { return c.Slug == channel })
	if i < 0 {
		t.Fatalf("channel %s not listed: %+v", channel, res.Payload.Channels)
	}
	equal(t, "listed channel id", res.Payload.Channels[i].ID, s.channelID)
}

func (s *scenario) listChannelHistory(t *testing.T) {
	res, err := s.packer.PackerServiceListChannelHistory(&ps.PackerServiceListChannelHistoryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: channel}, nil)
	ok(t, "ListChannelHistory", err)
	seen := map[string]int{}
	for _, h := range res.Payload.History {
		if h.Iteration == nil || h.PromotedAt.IsZero() {
			t.Fatalf("history entry without iteration or promoted_at: %+v", h)
		}
		seen[h.Iteration.ID]++
	}
	if seen[s.it1] != 2 || seen[s.it2] != 1 {
		t.Fatalf("history holds %v, want iteration 1 twice and iteration 2 once", seen)
	}
}

func (s *scenario) updateIteration(t *testing.T, id string, body ps.PackerServiceUpdateIterationBody) *models.HashicorpCloudPackerIteration {
	t.Helper()
	body.BucketSlug = s.bucket
	res, err := s.packer.PackerServiceUpdateIteration(&ps.PackerServiceUpdateIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, IterationID: id, Body: body}, nil)
	ok(t, "UpdateIteration", err)
	return res.Payload.Iteration
}

// revokeIteration revokes an iteration of its own (v3), so that a failure here
// leaves the channel and ancestry steps unaffected.
func (s *scenario) revokeIteration(t *testing.T) {
	if s.itRevoke == "" {
		s.itRevoke = s.newIteration(t, s.bucket, s.fpRevoke)
		b, err := s.newBuild(t, s.bucket, s.itRevoke, s.fpRevoke, components[0])
		ok(t, "CreateBuild", err)
		s.finish(t, b.ID, "aws", "ami-0revoke", "us-east-1", models.HashicorpCloudPackerBuildUpdates{})
	}
	now := time.Now().UTC()
	got := s.updateIteration(t, s.itRevoke, ps.PackerServiceUpdateIterationBody{
		RevokeAt: strfmt.DateTime(now), RevocationMessage: "CVE in base image"})
	if got == nil || got.RevokeAt.IsZero() {
		t.Fatalf("UpdateIteration(revoke) returned %+v", got)
	}
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.itRevoke)})
	if at := time.Time(it.RevokeAt); at.Before(now.Add(-2*time.Second)) || at.After(now.Add(2*time.Second)) {
		t.Fatalf("revoke_at = %v, want about %v", at, now)
	}
	equal(t, "revocation_message", it.RevocationMessage, "CVE in base image")
	if it.RevocationAuthor == "" {
		t.Errorf("revocation_author not recorded")
	}
	_, err := s.assign(ps.PackerServiceUpdateChannelBody{IterationID: s.itRevoke})
	if e, isRPC := err.(rpcError); !isRPC || e.Code() < 400 || e.Code() >= 500 {
		t.Fatalf("assigning a revoked iteration: want a 4xx error, got %v", err)
	}
}

// The generated UpdateIteration body always carries revoke_at: a zero
// strfmt.DateTime is sent as "0001-01-01T00:00:00.000Z" (omitempty does not
// omit structs), so the server must read that value as "not set".
func (s *scenario) restoreIteration(t *testing.T) {
	s.updateIteration(t, s.itRevoke, ps.PackerServiceUpdateIterationBody{Restore: true})
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.itRevoke)})
	if !it.RevokeAt.IsZero() || it.RevocationMessage != "" {
		t.Fatalf("after restore: revoke_at=%v message=%q", it.RevokeAt, it.RevocationMessage)
	}
	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{IterationID: s.itRevoke}, s.itRevoke)
	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{IterationID: s.it1}, s.it1)
}

// scheduleRevocation revokes an incomplete iteration of its own 30 days ahead.
func (s *scenario) scheduleRevocation(t *testing.T) {
	id := s.newIteration(t, s.bucket, s.fpSchedule)
	want := time.Now().UTC().Add(30 * 24 * time.Hour)
	s.updateIteration(t, id, ps.PackerServiceUpdateIterationBody{RevokeIn: "30d", RevocationMessage: "end of life"})
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(id)})
	if at := time.Time(it.RevokeAt); at.Before(want.Add(-time.Minute)) || at.After(want.Add(time.Minute)) {
		t.Fatalf("revoke_in 30d: revoke_at = %v, want about %v", at, want)
	}
	equal(t, "revocation_message", it.RevocationMessage, "end of life")
	s.updateIteration(t, id, ps.PackerServiceUpdateIterationBody{Restore: true})
	if it = s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(id)}); !it.RevokeAt.IsZero() {
		t.Fatalf("after restore: revoke_at=%v", it.RevokeAt)
	}
}

// completeIteration sends complete=true for a finished iteration of its own:
// a no-op that must not be read as a revocation at the zero revoke_at.
func (s *scenario) completeIteration(t *testing.T) {
	id := s.newIteration(t, s.bucket, s.fpComplete)
	b, err := s.newBuild(t, s.bucket, id, s.fpComplete, components[0])
	ok(t, "CreateBuild", err)
	s.finish(t, b.ID, "aws", "ami-0complete", "us-east-1", models.HashicorpCloudPackerBuildUpdates{})
	got := s.updateIteration(t, id, ps.PackerServiceUpdateIterationBody{Complete: true})
	if got == nil || !got.Complete || !got.RevokeAt.IsZero() {
		t.Fatalf("UpdateIteration(complete) returned %+v", got)
	}
	it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(id)})
	if !it.Complete || !it.RevokeAt.IsZero() {
		t.Fatalf("after complete: complete=%v revoke_at=%v", it.Complete, it.RevokeAt)
	}
}

func (s *scenario) ancestry(t *testing.T, slug, kind string) []*models.HashicorpCloudPackerBucketAncestry {
	t.Helper()
	p := &ps.PackerServiceListBucketAncestryParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: slug}
	if kind != "" {
		p.Type = swag.String(kind)
	}
	res, err := s.packer.PackerServiceListBucketAncestry(p, nil)
	ok(t, "ListBucketAncestry "+slug, err)
	return res.Payload.Relations
}

// parentRelation finds the relation from the first bucket's iteration 1 to the child's iteration.
func (s *scenario) parentRelation(t *testing.T, rels []*models.HashicorpCloudPackerBucketAncestry) *models.HashicorpCloudPackerBucketAncestry {
	t.Helper()
	for _, r := range rels {
		if r.Parent != nil && r.Child != nil && r.Parent.BucketSlug == s.bucket && r.Child.BucketSlug == s.child {
			if r.Parent.IterationID != s.it1 || r.Child.IterationID != s.itChild {
				t.Fatalf("relation links %s -> %s, want %s -> %s", r.Parent.IterationID, r.Child.IterationID, s.it1, s.itChild)
			}
			return r
		}
	}
	t.Fatalf("no relation %s -> %s in %+v", s.bucket, s.child, rels)
	return nil
}

func (s *scenario) listBucketAncestry(t *testing.T) {
	s.createBucketNamed(t, s.child)
	s.itChild = s.newIteration(t, s.child, s.fpChild)
	b, err := s.newBuild(t, s.child, s.itChild, s.fpChild, "amazon-ebs.app")
	ok(t, "CreateBuild (child)", err)
	s.finish(t, b.ID, "aws", "ami-0child", "us-east-1", models.HashicorpCloudPackerBuildUpdates{
		SourceIterationID: s.it1, SourceChannelID: s.channelID, SourceImageID: "ami-0123456789"})

	r := s.parentRelation(t, s.ancestry(t, s.child, ""))
	if r.Status == nil || *r.Status != models.HashicorpCloudPackerBucketAncestryStatusUPTODATE {
		t.Errorf("status = %v, want UP_TO_DATE (channel still on the parent iteration)", r.Status)
	}
	s.parentRelation(t, s.ancestry(t, s.bucket, "children"))

	s.mustAssign(t, ps.PackerServiceUpdateChannelBody{IterationID: s.it2}, s.it2)
	r = s.parentRelation(t, s.ancestry(t, s.child, "parents"))
	if r.Status == nil || *r.Status != models.HashicorpCloudPackerBucketAncestryStatusOUTOFDATE {
		t.Errorf("status = %v, want OUT_OF_DATE after the channel moved on", r.Status)
	}
}

func (s *scenario) deleteChannel(t *testing.T) {
	_, err := s.packer.PackerServiceDeleteChannel(&ps.PackerServiceDeleteChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: channel}, nil)
	ok(t, "DeleteChannel", err)
	_, err = s.packer.PackerServiceGetChannel(&ps.PackerServiceGetChannelParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket, Slug: channel}, nil)
	wantRPC(t, err, 404, 5)
}

func (s *scenario) deleteBuild(t *testing.T) {
	s.it3 = s.newIteration(t, s.bucket, s.fp3)
	b, err := s.newBuild(t, s.bucket, s.it3, s.fp3, components[0])
	ok(t, "CreateBuild", err)
	_, err = s.packer.PackerServiceDeleteBuild(&ps.PackerServiceDeleteBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BuildID: b.ID}, nil)
	ok(t, "DeleteBuild", err)
	_, err = s.packer.PackerServiceGetBuild(&ps.PackerServiceGetBuildParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BuildID: b.ID}, nil)
	wantRPC(t, err, 404, 5)
	if it := s.iteration(t, s.bucket, ps.PackerServiceGetIterationParams{IterationID: swag.String(s.it3)}); len(it.Builds) != 0 {
		t.Fatalf("iteration 3 still has builds %+v", it.Builds)
	}
}

func (s *scenario) deleteIteration(t *testing.T) {
	_, err := s.packer.PackerServiceDeleteIteration(&ps.PackerServiceDeleteIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, IterationID: s.it3,
		BucketSlug: swag.String(s.bucket)}, nil)
	ok(t, "DeleteIteration", err)
	_, err = s.packer.PackerServiceGetIteration(&ps.PackerServiceGetIterationParams{
		Context: s.ctx, LocationOrganizationID: s.org, LocationProjectID: s.proj, BucketSlug: s.bucket,
		IterationID: swag.String(s.it3)}, nil)
	wantRPC(t, err, 404, 5)
}
