package activities

import (
	"context"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// maxNumbersAtOnce bounds one allocation: an accident names a few
// corrective measures, not thousands.
const maxNumbersAtOnce = 50

// CaseNumbersInput asks for Count new case numbers of a kind in a region
// and year, for cases a workflow starts as its children (the corrective
// hazard cases of an accident).
type CaseNumbersInput struct {
	Kind       cases.Kind `json:"kind"`
	RegionCode string     `json:"region_code"`
	Year       int        `json:"year"`
	Count      int        `json:"count"`
}

// CaseNumbersResult is the numbers allocated, in order.
type CaseNumbersResult struct {
	Numbers []cases.Number `json:"numbers"`
}

// AllocateCaseNumbers allocates case numbers. The workflow records the
// result, so a retried attempt leaves at most a gap in the sequence,
// never a number used twice.
func (a *Activities) AllocateCaseNumbers(ctx context.Context, in CaseNumbersInput) (CaseNumbersResult, error) {
	if in.Count <= 0 || in.Count > maxNumbersAtOnce || in.RegionCode == "" || in.Kind.Prefix() == "" {
		return CaseNumbersResult{}, refuse(duty.EInvalid, "case_number.bad_request", nil, nil)
	}
	out := CaseNumbersResult{Numbers: make([]cases.Number, 0, in.Count)}
	for range in.Count {
		n, err := a.Store.NextCaseNumber(ctx, in.Kind, in.RegionCode, in.Year)
		if err != nil {
			return CaseNumbersResult{}, err
		}
		out.Numbers = append(out.Numbers, n)
	}
	return out, nil
}
