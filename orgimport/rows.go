package orgimport

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/org/regioncode"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/store"
)

// findOrg finds an organisation by its credit code or duty's code for
// it, as the transaction sees it (an organisation added by an earlier row
// is found). Found ones are remembered for the file.
func (ru *run) findOrg(ctx context.Context, ref string) (org.Org, bool, error) {
	if o, ok := ru.orgs[ref]; ok {
		return o, true, nil
	}
	var o org.Org
	var err error
	if c, perr := uscc.Parse(ref); perr == nil {
		o, err = ru.st.OrgByCreditCode(ctx, ru.tx, string(c))
	} else {
		o, err = ru.st.OrgByCode(ctx, ru.tx, ref)
	}
	if duty.ErrorCode(err) == duty.ENotFound {
		return o, false, nil
	}
	if err != nil {
		return o, false, err
	}
	ru.orgs[ref] = o
	return o, true, nil
}

// person imports one row of the ledger of persons and posts.
func (ru *run) person(ctx context.Context, row ledger.Row) (outcome, error) {
	var bad badRow
	name, id, phone := row.Get(colName), row.Get(colIDNumber), row.Get(colPhone)
	if name == "" {
		bad.add(row.Fail(colName, "import.person_name.required", nil))
	}
	switch {
	case id == "":
		bad.add(row.Fail(colIDNumber, "import.id_number.required", nil))
	case masked(id):
	default:
		if n, err := personal.ParseIDNumber(id); err != nil {
			bad.add(row.Wrap(colIDNumber, err))
		} else {
			id = n
			if had, ok := ru.names[n]; ok && name != "" && had != name {
				bad.add(row.Fail(colName, "import.id_number.other_name", i18n.Args{"Name": had}))
			} else if !ok {
				ru.names[n] = name
			}
		}
	}
	if phone != "" && !masked(phone) {
		if _, err := personal.ParsePhone(phone); err != nil {
			bad.add(row.Wrap(colPhone, err))
		}
	}
	title := row.Get(colTitle)
	if title == "" {
		bad.add(row.Fail(colTitle, "import.title.required", nil))
	}
	role, ok := parseRole(row.Get(colRole))
	if !ok {
		bad.add(row.Fail(colRole, "import.role.unknown", i18n.Args{"Role": row.Get(colRole), "Roles": roleList(org.Roles)}))
	}
	var start, end *time.Time
	if v := row.Get(colStartedOn); v != "" {
		if d, err := parseDay(v); err != nil {
			bad.add(row.Wrap(colStartedOn, err))
		} else {
			start = &d
		}
	}
	if v := row.Get(colEndedOn); v != "" {
		if d, err := parseDay(v); err != nil {
			bad.add(row.Wrap(colEndedOn, err))
		} else if start == nil {
			bad.add(row.Fail(colEndedOn, "import.post.end_without_start", nil))
		} else if d.Before(*start) {
			bad.add(row.Fail(colEndedOn, "import.post.ends_before_start", nil))
		} else {
			end = &d
		}
	}
	ref := row.Get(colOrg)
	var o org.Org
	if ref == "" {
		bad.add(row.Fail(colOrg, "import.org.required", nil))
	} else if ru.broken {
		bad.add(row.Fail(colOrg, "import.row.aborted", nil))
	} else {
		found, ok, err := ru.findOrg(ctx, ref)
		switch {
		case err != nil:
			return unchanged, err
		case !ok:
			bad.add(row.Fail(colOrg, "import.org.unknown", i18n.Args{"Ref": ref}))
		default:
			o = found
			if role != "" && !slices.Contains(rolesOf[o.Kind], role) {
				bad.add(row.Fail(colRole, "import.role.not_of_kind", i18n.Args{"Org": o.Name, "Kind": i18n.Ref("org_kind." + o.Kind),
					"Role": i18n.Ref("role." + role), "Roles": roleList(rolesOf[o.Kind])}))
			}
		}
	}
	if o.ID != 0 && id != "" && role != "" {
		key := "post:" + id + ":" + o.Code + ":" + role
		if start != nil {
			key += ":" + start.Format(time.DateOnly)
		}
		if first, dup := ru.seen[key]; dup {
			bad.add(row.Fail(colIDNumber, "import.post.twice", i18n.Args{"Row": first}))
		} else {
			ru.seen[key] = row.N
		}
	}
	if err := bad.err(); err != nil {
		return unchanged, err
	}
	if err := ru.authorize(ctx, o.RegionCode); err != nil {
		return unchanged, err
	}
	return ru.write(row, colIDNumber, func() (outcome, error) {
		var existed bool
		if !masked(id) {
			if err := ru.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM person_private WHERE id_number = $1)`, id).Scan(&existed); err != nil {
				return unchanged, err
			}
		} else {
			existed = true
		}
		ch, err := ru.hold(ctx, row, o, role, title, holder{name: name, id: id, phone: phone, idKey: colIDNumber, phoneKey: colPhone}, start, end)
		switch {
		case err != nil:
			var ce ledger.CellError
			if !errors.As(err, &ce) && (duty.ErrorCode(err) == duty.EInvalid || duty.ErrorCode(err) == duty.EConflict) {
				return unchanged, row.Wrap(colRole, err)
			}
			return unchanged, err
		case !existed:
			return added, nil
		case ch:
			return changed, nil
		}
		return unchanged, nil
	})
}

// department imports one row of the ledger of departments.
func (ru *run) department(ctx context.Context, row ledger.Row) (outcome, error) {
	var bad badRow
	name, code := row.Get(colName), row.Get(colCode)
	if name == "" {
		bad.add(row.Fail(colName, "import.dept_name.required", nil))
	}
	if code == "" {
		bad.add(row.Fail(colCode, "import.code.required", nil))
	} else if first, dup := ru.seen[code]; dup {
		bad.add(row.Fail(colCode, "import.code.twice", i18n.Args{"Row": first}))
	} else {
		ru.seen[code] = row.N
	}
	region, rerr := ru.region(row, colRegion)
	if rerr != nil {
		bad.add(*rerr)
	}
	if v := row.Get(colLevel); v != "" && region != "" {
		level, ok := levelNames[v]
		switch {
		case !ok:
			bad.add(row.Fail(colLevel, "import.level.unknown", i18n.Args{"Level": v}))
		case level != regioncode.Level(region):
			bad.add(row.Fail(colLevel, "import.level.mismatch", i18n.Args{"Level": i18n.Ref("level." + level),
				"Region": regioncode.Full(region), "RegionLevel": i18n.Ref("level." + regioncode.Level(region))}))
		}
	}
	sectors, err := parseSectors(row.Get(colSectors))
	if err != nil {
		bad.add(row.Wrap(colSectors, err))
	}
	var superior int64
	if ref := row.Get(colSuperior); ref != "" && !ru.broken {
		o, ok, err := ru.findOrg(ctx, ref)
		switch {
		case err != nil:
			return unchanged, err
		case !ok:
			bad.add(row.Fail(colSuperior, "import.superior.unknown", i18n.Args{"Ref": ref}))
		case o.Kind == org.KindEnterprise:
			bad.add(row.Fail(colSuperior, "import.superior.enterprise", i18n.Args{"Ref": ref}))
		case ref == code:
			bad.add(row.Fail(colSuperior, "import.superior.self", nil))
		default:
			superior = o.ID
		}
	}
	if err := bad.err(); err != nil {
		return unchanged, err
	}
	if err := ru.authorize(ctx, region); err != nil {
		return unchanged, err
	}
	return ru.write(row, colCode, func() (outcome, error) {
		var had string
		err := ru.tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE code = $1`, code).Scan(&had)
		existed := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return unchanged, err
		}
		if existed && had != org.KindDepartment {
			return unchanged, row.Fail(colCode, "import.code.not_department", i18n.Args{"Code": code, "Kind": i18n.Ref("org_kind." + had)})
		}
		o, ch, err := ru.st.SaveOrg(ctx, ru.tx, store.OrgInput{Code: code, Kind: org.KindDepartment, Name: name, RegionCode: region,
			Sectors: sectors, SuperiorID: superior}, ru.opt.Change)
		if err != nil {
			return unchanged, err
		}
		ru.orgs[code] = o
		switch {
		case !existed:
			return added, nil
		case ch:
			return changed, nil
		}
		return unchanged, nil
	})
}
