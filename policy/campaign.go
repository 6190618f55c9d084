package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/org"
)

// Campaigns (专项整治, issue 17). A campaign and each level's part of it
// are asked about on CampaignResource: the chain of organisations it was
// passed down through, from the one that started it to the one it asks.
// Where an organisation stands in that chain is what it may do:
//   - anywhere in it: its people see the case (a level sees what it asked
//     of the levels below it, however far down it was passed);
//   - last: its heads start the campaign (on "new"), submit the level's
//     plan and reports and pass it down (CampaignOwnActions);
//   - last but one: its heads open a 督办 escalation from the level's
//     missed submission (CampaignAskerActions).
//
// Who the heads are is the organisation's kind: a government's head and
// its organisation administrator, a department's head. The workflow
// checks again that the actor belongs to that organisation.
var (
	CampaignOwnActions   = []string{ActionOpen, "submit", "pass_down"}
	CampaignAskerActions = []string{"escalate_miss"}
)

// CampaignResource is the Ladon resource of a campaign case whose chain
// of organisations is chain; caseNo is "new" for one being started.
func CampaignResource(chain []int64, caseNo string) string {
	var b strings.Builder
	b.WriteString("campaign:/")
	for _, id := range chain {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte('/')
	}
	return b.String() + ":" + caseNo
}

// campaignPolicies are an organisation's policies on campaigns: staff
// see the cases whose chain holds it; heads act as the chain allows.
func campaignPolicies(unit org.Org, id string, staff, heads []string) []*ladon.DefaultPolicy {
	return []*ladon.DefaultPolicy{{
		ID:          OrgPolicyPrefix + "campaignview:" + id,
		Description: fmt.Sprintf("the people of %s see the campaigns it started or was asked to take part in, and the parts it asked of the levels below (专项整治)", unit.Name),
		Subjects:    staff,
		Actions:     []string{ActionView},
		Resources:   []string{"campaign:<[0-9/]*>/" + id + "/<[0-9/]*>:<.+>"},
		Effect:      ladon.AllowAccess,
	}, {
		ID:          OrgPolicyPrefix + "campaign:" + id,
		Description: fmt.Sprintf("the heads of %s start campaigns, submit its plans and progress reports and pass them down (专项整治)", unit.Name),
		Subjects:    heads,
		Actions:     []string{"campaign:<" + strings.Join(CampaignOwnActions, "|") + ">"},
		Resources:   []string{"campaign:<[0-9/]*>/" + id + "/:<.+>"},
		Effect:      ladon.AllowAccess,
	}, {
		ID:          OrgPolicyPrefix + "campaignasker:" + id,
		Description: fmt.Sprintf("the heads of %s open a 督办 from a missed submission of a level it asked (专项整治)", unit.Name),
		Subjects:    heads,
		Actions:     []string{"campaign:<" + strings.Join(CampaignAskerActions, "|") + ">"},
		Resources:   []string{"campaign:<[0-9/]*>/" + id + "/<[0-9]+>/:<.+>"},
		Effect:      ladon.AllowAccess,
	}}
}
