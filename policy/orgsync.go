package policy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// The generated policies follow the organisation one change at a time:
// a change of an organisation or a post regenerates, in the change's own
// transaction, only the policies that change can touch, and writes those
// that differ. Rebuilding all of them per change would read and compare
// every organisation of a province; SyncFromStore does that once, at
// start-up.

// orgPolicyKinds are the kinds of policy ForOrganisation generates for one
// organisation: each has the id OrgPolicyPrefix + kind + ":" + org id. A
// test checks the list against what ForOrganisation generates.
var orgPolicyKinds = []string{"dept", "records", "penalty", "leader", "admin", "policyrecord", "arearecords", "enterprise",
	"enterprisestaff", "held", "heldstaff", "accident", "accident-head", "accident-gov", "orgadmin",
	"enterprisealarm", "rescue", "rescuecoverage", "campaignview", "campaign", "campaignasker", "archive", "report", "reportreward",
	"duties", "enterpriseduties"}

// orgPolicyIDs are the ids every generated policy of an organisation may
// have.
func orgPolicyIDs(orgID int64) []string {
	id := strconv.FormatInt(orgID, 10)
	out := make([]string, len(orgPolicyKinds))
	for i, k := range orgPolicyKinds {
		out[i] = OrgPolicyPrefix + k + ":" + id
	}
	return out
}

// portfolioPolicyID is the id of a post's portfolio policy.
func portfolioPolicyID(postID int64) string {
	return OrgPolicyPrefix + "portfolio:" + strconv.FormatInt(postID, 10)
}

// OrgPolicySource reads, inside the transaction of a change, what the
// policies of a few organisations and posts are made of; *store.Store is
// one.
type OrgPolicySource interface {
	// OrgsAround returns the organisations with these ids, every
	// department above them (their superiors, to any depth) and every
	// department below any of those: a department's policies name the
	// departments below it.
	OrgsAround(ctx context.Context, tx pgx.Tx, ids []int64) ([]org.Org, error)
	// PostsByID returns the posts with these ids that exist.
	PostsByID(ctx context.Context, tx pgx.Tx, ids []int64) ([]org.Post, error)
}

// HeldOnOrAfter reports whether post p counts on day or later: a portfolio
// policy is kept for a post that has not ended by day (one that starts
// later is inert until then, since a caller's subject names only the
// posts they hold that day).
func HeldOnOrAfter(p org.Post, day time.Time) bool {
	return p.EndedOn == nil || p.EndedOn.Format(time.DateOnly) > day.Format(time.DateOnly)
}

// SyncOrgs regenerates, in tx, the generated policies of the
// organisations orgIDs and of the posts postIDs, and writes those that
// differ from what is stored, one audit row each, recorded as the
// system's. A department's superiors are regenerated with it, since
// their policies name the departments below them; a department that
// leaves a superior must name the old superior in orgIDs too. It returns
// the ids of the policies it changed. The change reaches this and every
// other process's Manager through the policies table's notice once tx
// commits (Manager.CatchUp waits for it).
func SyncOrgs(ctx context.Context, tx pgx.Tx, src OrgPolicySource, orgIDs, postIDs []int64, day time.Time) ([]string, error) {
	want := map[string]*ladon.DefaultPolicy{}
	var candidates []string
	if len(orgIDs) > 0 {
		orgs, err := src.OrgsAround(ctx, tx, orgIDs)
		if err != nil {
			return nil, err
		}
		// Those to write: the ones asked for and the departments above
		// them.
		byID := map[int64]org.Org{}
		for _, o := range orgs {
			byID[o.ID] = o
		}
		write := map[int64]bool{}
		for _, id := range orgIDs {
			for at, seen := id, map[int64]bool{}; at != 0 && !seen[at]; {
				seen[at] = true
				write[at] = true
				o, ok := byID[at]
				if !ok || o.Kind != org.KindDepartment {
					break
				}
				if up, ok := byID[o.ParentID]; ok && up.Kind == org.KindDepartment {
					at = up.ID
				} else {
					at = 0
				}
			}
		}
		wanted := map[string]bool{}
		for id := range write {
			for _, pid := range orgPolicyIDs(id) {
				candidates = append(candidates, pid)
				wanted[pid] = true
			}
		}
		for _, p := range ForOrganisation(Organisation{Orgs: orgs}) {
			if wanted[p.ID] {
				want[p.ID] = p
			}
		}
	}
	if len(postIDs) > 0 {
		posts, err := src.PostsByID(ctx, tx, postIDs)
		if err != nil {
			return nil, err
		}
		var keep []org.Post
		for _, p := range posts {
			if len(p.Portfolio) > 0 && HeldOnOrAfter(p, day) {
				keep = append(keep, p)
			}
		}
		for _, id := range postIDs {
			candidates = append(candidates, portfolioPolicyID(id))
		}
		for _, p := range ForOrganisation(Organisation{PortfolioPosts: keep}) {
			want[p.ID] = p
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	have := map[string][]byte{}
	rows, err := tx.Query(ctx, `SELECT id, doc FROM policies WHERE id = ANY($1) ORDER BY id FOR UPDATE`, candidates)
	if err != nil {
		return nil, fmt.Errorf("policy: sync organisations: %w", err)
	}
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return nil, err
		}
		have[id] = doc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var changed []string
	for _, id := range candidates {
		before, exists := have[id]
		p, wanted := want[id]
		switch {
		case wanted:
			doc, err := encodeValid(p)
			if err != nil {
				return nil, err
			}
			if exists && sameJSON(before, doc) {
				continue
			}
			if err := putDoc(ctx, tx, id, doc); err != nil {
				return nil, err
			}
			if err := audit(ctx, tx, id, "sync", systemActor, before, doc); err != nil {
				return nil, err
			}
		case exists:
			if _, err := tx.Exec(ctx, `DELETE FROM policies WHERE id = $1`, id); err != nil {
				return nil, err
			}
			if err := audit(ctx, tx, id, "sync", systemActor, before, nil); err != nil {
				return nil, err
			}
		default:
			continue
		}
		changed = append(changed, id)
	}
	return changed, nil
}

// orgPolicyKind is the kind part of a generated policy's id.
func orgPolicyKind(id string) string {
	rest := strings.TrimPrefix(id, OrgPolicyPrefix)
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		return rest[:i]
	}
	return rest
}

// FollowOrganisation is the hook store.Store.OrgChanged takes: it syncs
// the policies of what changed (SyncOrgs) in the change's transaction,
// with posts judged on today in China (now's day there).
func FollowOrganisation(src OrgPolicySource, now func() time.Time) func(ctx context.Context, tx pgx.Tx, orgIDs, postIDs []int64) error {
	return func(ctx context.Context, tx pgx.Tx, orgIDs, postIDs []int64) error {
		_, err := SyncOrgs(ctx, tx, src, orgIDs, postIDs, now().In(rules.China))
		return err
	}
}
