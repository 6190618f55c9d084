package archive

import (
	"bytes"
	"context"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/documents"
	"github.com/duty-project/duty/store"
)

// Numbered is a document of a case with its number (文号), its issuer as
// the document prints it, and the records of its service (送达回证).
type Numbered struct {
	documents.Document
	Number   string
	Issuer   documents.Issuer
	Services []store.DocumentService
}

// NumberedDocuments are a case's documents in step order, each given its
// number — the one it has, or the next of its issuer, code and year (a
// document is numbered when it is first listed, printed or filed) — with
// its service records. The API lists documents through it and the case
// file files them through it, so both show the same numbers.
func NumberedDocuments(ctx context.Context, st *store.Store, row store.CaseRow) ([]Numbered, error) {
	docs, err := documents.List(row.View)
	if err != nil {
		return nil, err
	}
	caseNo := row.Summary.CaseNo
	numbers, err := st.DocumentNumbers(ctx, caseNo)
	if err != nil {
		return nil, err
	}
	services, err := st.DocumentServices(ctx, caseNo)
	if err != nil {
		return nil, err
	}
	out := make([]Numbered, 0, len(docs))
	for _, d := range docs {
		is, err := issuer(ctx, st, d.Issuer)
		if err != nil {
			return nil, err
		}
		number, ok := numbers[d.ID]
		if !ok {
			number, err = st.NumberDocument(ctx, store.DocumentToNumber{
				CaseNo: caseNo, DocID: d.ID, WorkflowID: row.Summary.WorkflowID, Kind: string(d.Kind),
				IssuerOrgID: d.Issuer.ID, Code: d.Code, Year: d.Year(), Fixed: d.FixedNumber,
				Format: func(seq int) string { return documents.Number(is.Code, d.Code, d.Year(), seq) },
			})
			if err != nil {
				return nil, err
			}
		}
		n := Numbered{Document: d, Number: number, Issuer: is, Services: []store.DocumentService{}}
		for _, sv := range services {
			if sv.DocID == d.ID {
				n.Services = append(n.Services, sv)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// issuer is an organisation as its documents print it.
func issuer(ctx context.Context, st *store.Store, org cases.Org) (documents.Issuer, error) {
	if org.ID == 0 {
		return documents.NewIssuer(0, org.Name, nil, ""), nil
	}
	is, err := st.GetDocumentIssuer(ctx, org.ID)
	if err != nil {
		return documents.Issuer{}, err
	}
	return documents.NewIssuer(org.ID, is.Name, is.Regions, is.Code), nil
}

// DocumentInput is what document i of a case's numbered documents is
// rendered from, the officers' 执法证号 on record included (the
// organisation's data, not the case's: a number recorded after the step
// still prints).
func DocumentInput(ctx context.Context, st *store.Store, row store.CaseRow, docs []Numbered, i int) (documents.Input, error) {
	related := make(map[string]string, len(docs))
	for _, d := range docs {
		related[d.ID] = d.Number
	}
	in := documents.Input{Doc: docs[i].Document, Number: docs[i].Number, View: row.View, Issuer: docs[i].Issuer, Related: related}
	officers, err := documents.Officers(in)
	if err != nil {
		return in, err
	}
	ids := make([]int64, 0, len(officers))
	for _, o := range officers {
		if o.PersonID != 0 {
			ids = append(ids, o.PersonID)
		}
	}
	if in.Certificates, err = st.EnforcementCertificates(ctx, ids); err != nil {
		return in, err
	}
	return in, nil
}

// renderDocument is a document's printable HTML, as the API serves it.
func renderDocument(ctx context.Context, st *store.Store, row store.CaseRow, docs []Numbered, i int) ([]byte, error) {
	in, err := DocumentInput(ctx, st, row, docs, i)
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := documents.Render(&page, in); err != nil {
		return nil, err
	}
	return page.Bytes(), nil
}
