package orgimport

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
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
		bad.add(row.Error(colName, "姓名为空 (the name is required)"))
	}
	switch {
	case id == "":
		bad.add(row.Error(colIDNumber, "身份证号为空 (the identity number is required)"))
	case masked(id):
	default:
		if n, err := personal.ParseIDNumber(id); err != nil {
			bad.add(row.Error(colIDNumber, err.Error()))
		} else {
			id = n
			if had, ok := ru.names[n]; ok && name != "" && had != name {
				bad.add(row.Errorf(colName, "同一身份证号在前面的行中姓名为 %s (the same identity number is named %s above)", had, had))
			} else if !ok {
				ru.names[n] = name
			}
		}
	}
	if phone != "" && !masked(phone) {
		if _, err := personal.ParsePhone(phone); err != nil {
			bad.add(row.Error(colPhone, err.Error()))
		}
	}
	title := row.Get(colTitle)
	if title == "" {
		bad.add(row.Error(colTitle, "职务为空 (the post's title is required)"))
	}
	role, ok := parseRole(row.Get(colRole))
	if !ok {
		bad.add(row.Errorf(colRole, "角色 %q 不存在 (unknown role): 应为 %s", row.Get(colRole), roleList(org.Roles)))
	}
	var start, end *time.Time
	if v := row.Get(colStartedOn); v != "" {
		if d, err := parseDay(v); err != nil {
			bad.add(row.Error(colStartedOn, err.Error()))
		} else {
			start = &d
		}
	}
	if v := row.Get(colEndedOn); v != "" {
		if d, err := parseDay(v); err != nil {
			bad.add(row.Error(colEndedOn, err.Error()))
		} else if start == nil {
			bad.add(row.Error(colEndedOn, "有离任日期须有任职日期 (a post that ended needs its first day)"))
		} else if d.Before(*start) {
			bad.add(row.Error(colEndedOn, "离任日期早于任职日期 (the post ends before it starts)"))
		} else {
			end = &d
		}
	}
	ref := row.Get(colOrg)
	var o org.Org
	if ref == "" {
		bad.add(row.Error(colOrg, "单位为空：填写统一社会信用代码或单位代码 (the organisation is required)"))
	} else if ru.broken {
		bad.add(row.Error(colOrg, "未能核对：前面的行使数据库事务中止 (not checked against the record: an earlier row aborted the transaction)"))
	} else {
		found, ok, err := ru.findOrg(ctx, ref)
		switch {
		case err != nil:
			return unchanged, err
		case !ok:
			bad.add(row.Errorf(colOrg, "单位 %s 未登记 (no organisation with this credit code or code)", ref))
		default:
			o = found
			if role != "" && !slices.Contains(rolesOf[o.Kind], role) {
				bad.add(row.Errorf(colRole, "%s（%s）没有「%s」这一角色，可为 %s (a %s has no posts of role %s)",
					o.Name, KindName(o.Kind), RoleName(role), roleList(rolesOf[o.Kind]), o.Kind, role))
			}
		}
	}
	if o.ID != 0 && id != "" && role != "" {
		key := "post:" + id + ":" + o.Code + ":" + role
		if start != nil {
			key += ":" + start.Format(time.DateOnly)
		}
		if first, dup := ru.seen[key]; dup {
			bad.add(row.Errorf(colIDNumber, "与第%d行重复：同一人在同一单位的同一职务出现两次 (the same post as row %d)", first, first))
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
				return unchanged, row.Error(colRole, duty.ErrorMessage(err))
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
		bad.add(row.Error(colName, "名称为空 (the name is required)"))
	}
	if code == "" {
		bad.add(row.Error(colCode, "代码为空 (the department's code is required)"))
	} else if first, dup := ru.seen[code]; dup {
		bad.add(row.Errorf(colCode, "与第%d行重复：同一代码出现两次 (the same code as row %d)", first, first))
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
			bad.add(row.Errorf(colLevel, "层级 %q 不存在，应为 省级、市级、县级 或 乡级 (unknown level)", v))
		case level != regioncode.Level(region):
			bad.add(row.Errorf(colLevel, "层级为%s，但所属地区 %s 是%s (the level does not match the region's)", LevelName(level),
				regioncode.Full(region), LevelName(regioncode.Level(region))))
		}
	}
	sectors, err := parseSectors(row.Get(colSectors))
	if err != nil {
		bad.add(row.Error(colSectors, err.Error()))
	}
	var superior int64
	if ref := row.Get(colSuperior); ref != "" && !ru.broken {
		o, ok, err := ru.findOrg(ctx, ref)
		switch {
		case err != nil:
			return unchanged, err
		case !ok:
			bad.add(row.Errorf(colSuperior, "上级单位 %s 未登记，也不在前面的行中 (no organisation with this code on record or above)", ref))
		case o.Kind == org.KindEnterprise:
			bad.add(row.Errorf(colSuperior, "上级单位 %s 是企业 (an enterprise is nobody's superior)", ref))
		case ref == code:
			bad.add(row.Error(colSuperior, "上级单位不能是自己 (a department cannot be its own superior)"))
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
			return unchanged, row.Errorf(colCode, "代码 %s 已属于一个%s，不是部门 (code %s is a %s's)", code, KindName(had), code, had)
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
