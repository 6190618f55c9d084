package orgimport

import (
	"context"
	"io"
	"time"

	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/regioncode"
	"github.com/duty-project/duty/store"
)

// ExportEnterprises writes the enterprise register f selects as a ledger
// with the columns an import reads, a page at a time: the 主要负责人 held
// on day, their identity number and phone masked. Imported again, it
// changes nothing (a masked number stands for the one on record).
func ExportEnterprises(ctx context.Context, st *store.Store, out io.Writer, format ledger.Format, f store.EnterpriseFilter, day time.Time) error {
	w, err := ledger.NewWriter(out, format, EnterpriseSchema)
	if err != nil {
		return err
	}
	f.Limit, f.After = 1000, ""
	for {
		page, err := st.ListEnterprises(ctx, f)
		if err != nil {
			return err
		}
		ids := make([]int64, len(page.Enterprises))
		for i, e := range page.Enterprises {
			ids[i] = e.ID
		}
		heads, err := st.HoldersOf(ctx, st.Pool, ids, org.RoleEnterpriseHead, day)
		if err != nil {
			return err
		}
		for _, e := range page.Enterprises {
			var head store.OrgPost
			if h := heads[e.ID]; len(h) > 0 {
				head = h[len(h)-1]
			}
			if err := w.Write(e.CreditCode, e.Name, e.Address, regioncode.Full(e.RegionCode), e.IndustryCode, e.RiskClass,
				head.Name, head.IDNumber, head.Phone); err != nil {
				return err
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	return w.Close()
}

// ExportPersons writes the posts f selects, with their holders (identity
// number and phone masked), as the ledger of persons and posts; posts
// that may not be shown to the reader (see returns false) are left out.
func ExportPersons(ctx context.Context, st *store.Store, out io.Writer, format ledger.Format, f store.OrgPostFilter, see func(store.OrgPost) bool) error {
	w, err := ledger.NewWriter(out, format, PersonSchema)
	if err != nil {
		return err
	}
	err = st.EachOrgPost(ctx, f, func(p store.OrgPost) error {
		if see != nil && !see(p) {
			return nil
		}
		ref := p.OrgCode
		if p.Credit != "" {
			ref = p.Credit
		}
		ended := ""
		if p.EndedOn != nil {
			ended = p.EndedOn.Format(time.DateOnly)
		}
		return w.Write(p.Name, p.IDNumber, p.Phone, ref, p.OrgName, p.Title, RoleName(p.Role), p.StartedOn.Format(time.DateOnly), ended)
	})
	if err != nil {
		return err
	}
	return w.Close()
}
