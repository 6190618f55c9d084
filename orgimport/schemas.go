package orgimport

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/org/regioncode"
)

// Kind is a kind of ledger that can be imported.
type Kind string

// The ledgers an import reads.
const (
	Enterprises Kind = "enterprises"
	Persons     Kind = "persons"
	Departments Kind = "departments"
)

// Kinds lists the kinds of import.
var Kinds = []Kind{Enterprises, Persons, Departments}

// ParseKind reads a kind as a URL or a command line names it.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", duty.Fail(duty.EInvalid, "import.kind.unknown", duty.Args{"Kind": s})
}

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Enterprises:
		return "企业台账"
	case Persons:
		return "人员任职台账"
	case Departments:
		return "部门台账"
	}
	return string(k)
}

// Schema is the ledger of the kind.
func (k Kind) Schema() ledger.Schema {
	switch k {
	case Persons:
		return PersonSchema
	case Departments:
		return DepartmentSchema
	}
	return EnterpriseSchema
}

// Column keys.
const (
	colCredit     = "credit_code"
	colName       = "name"
	colAddress    = "address"
	colRegion     = "region"
	colIndustry   = "industry"
	colRisk       = "risk_class"
	colHeadName   = "head_name"
	colHeadID     = "head_id_number"
	colHeadPhone  = "head_phone"
	colIDNumber   = "id_number"
	colPhone      = "phone"
	colOrg        = "org"
	colOrgName    = "org_name"
	colTitle      = "title"
	colRole       = "role"
	colStartedOn  = "started_on"
	colEndedOn    = "ended_on"
	colCode       = "code"
	colLevel      = "level"
	colSectors    = "sectors"
	colSuperior   = "superior"
	colIndustryNm = "industry_name"
)

// EnterpriseSchema is the enterprise register (企业台账): an exported one
// has the same columns, so it imports again unchanged.
var EnterpriseSchema = ledger.Schema{Name: "企业台账", Columns: []ledger.Column{
	{Key: colCredit, Header: "统一社会信用代码", Aliases: []string{"社会信用代码", "信用代码", "统一代码"}, Required: true},
	{Key: colName, Header: "企业名称", Aliases: []string{"单位名称", "名称", "生产经营单位名称"}, Required: true},
	{Key: colAddress, Header: "地址", Aliases: []string{"企业地址", "注册地址", "经营地址", "住所"}},
	{Key: colRegion, Header: "所属地区", Aliases: []string{"行政区划代码", "所属区划", "地区代码", "属地"}, Required: true},
	{Key: colIndustry, Header: "行业代码", Aliases: []string{"国民经济行业代码", "行业分类代码", "国民经济行业分类"}, Required: true},
	{Key: colRisk, Header: "风险等级", Aliases: []string{"风险分级", "风险类别", "安全风险等级"}},
	{Key: colHeadName, Header: "主要负责人姓名", Aliases: []string{"主要负责人", "负责人姓名"}, Required: true},
	{Key: colHeadID, Header: "主要负责人身份证号", Aliases: []string{"负责人身份证号", "主要负责人身份证号码"}, Required: true},
	{Key: colHeadPhone, Header: "主要负责人手机", Aliases: []string{"负责人手机", "主要负责人手机号", "主要负责人联系电话"}},
}}

// PersonSchema is the ledger of persons and their posts (人员任职台账).
var PersonSchema = ledger.Schema{Name: "人员任职台账", Columns: []ledger.Column{
	{Key: colName, Header: "姓名", Required: true},
	{Key: colIDNumber, Header: "身份证号", Aliases: []string{"身份证号码", "居民身份证号"}, Required: true},
	{Key: colPhone, Header: "手机", Aliases: []string{"手机号", "手机号码", "联系电话"}},
	{Key: colOrg, Header: "单位", Aliases: []string{"单位代码", "统一社会信用代码", "所在单位"}, Required: true},
	{Key: colOrgName, Header: "单位名称"},
	{Key: colTitle, Header: "职务", Aliases: []string{"职务名称"}, Required: true},
	{Key: colRole, Header: "角色", Aliases: []string{"岗位角色", "职责"}, Required: true},
	{Key: colStartedOn, Header: "任职日期", Aliases: []string{"任职时间", "起始日期"}},
	{Key: colEndedOn, Header: "离任日期", Aliases: []string{"离任时间", "免职日期"}},
}}

// DepartmentSchema is the ledger of departments (部门台账).
var DepartmentSchema = ledger.Schema{Name: "部门台账", Columns: []ledger.Column{
	{Key: colName, Header: "名称", Aliases: []string{"部门名称", "单位名称"}, Required: true},
	{Key: colCode, Header: "代码", Aliases: []string{"部门代码", "单位代码"}, Required: true},
	{Key: colRegion, Header: "所属地区", Aliases: []string{"行政区划代码", "所属区划", "地区代码"}, Required: true},
	{Key: colLevel, Header: "层级", Aliases: []string{"级别"}},
	{Key: colSectors, Header: "监管行业", Aliases: []string{"监管领域", "负责行业"}, Required: true},
	{Key: colSuperior, Header: "上级单位", Aliases: []string{"上级单位代码", "上级部门"}},
}}

// roleNames are the Chinese names a ledger writes a role by; the first is
// the one an export writes.
var roleNames = map[string][]string{
	org.RolePartySecretary: {"党委书记", "书记"},
	org.RoleGovernmentHead: {"政府主要负责人", "区长", "县长", "市长", "省长"},
	org.RoleDeputyHead:     {"分管负责人", "分管领导", "副区长", "副县长", "副市长", "副省长"},
	org.RoleDeptHead:       {"部门主要负责人", "局长", "部门负责人", "队长"},
	org.RoleInspector:      {"执法检查人员", "执法人员", "检查员", "执法检查员"},
	org.RoleEnterpriseHead: {"主要负责人", "企业主要负责人", "第一责任人"},
	org.RoleProjectManager: {"项目经理"},
	org.RoleSafetyOfficer:  {"安全员", "安全管理人员", "专职安全员"},
	org.RolePolicyAdmin:    {"权限管理员"},
	org.RoleOrgAdmin:       {"组织管理员"},
	org.RoleUnitHead:       {"内设机构负责人", "车间主任", "班组长"},
	org.RoleStaff:          {"岗位人员", "职工", "员工"},
}

// RoleName is a role's Chinese name, as an export writes it.
func RoleName(role string) string {
	if n, ok := roleNames[role]; ok {
		return n[0]
	}
	return role
}

// parseRole reads a role by its Chinese name or its code.
func parseRole(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if slices.Contains(org.Roles, strings.ToLower(s)) {
		return strings.ToLower(s), true
	}
	for role, names := range roleNames {
		if slices.Contains(names, s) {
			return role, true
		}
	}
	return "", false
}

// rolesOf are the roles an organisation of each kind has posts of.
var rolesOf = map[string][]string{
	org.KindEnterprise:     {org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer, org.RoleUnitHead, org.RoleStaff},
	org.KindDepartment:     {org.RoleDeptHead, org.RoleInspector, org.RoleStaff},
	org.KindGovernment:     {org.RoleGovernmentHead, org.RoleDeputyHead, org.RolePolicyAdmin, org.RoleOrgAdmin, org.RoleStaff},
	org.KindPartyCommittee: {org.RolePartySecretary, org.RoleDeputyHead, org.RolePolicyAdmin, org.RoleStaff},
	org.KindRescueTeam:     {org.RoleDeptHead, org.RoleInspector, org.RoleStaff},
	org.KindJudicial:       {org.RoleDeptHead, org.RoleInspector, org.RoleStaff},
}

// KindName is an organisation kind's Chinese name.
func KindName(kind string) string {
	return map[string]string{org.KindEnterprise: "企业", org.KindDepartment: "部门", org.KindGovernment: "人民政府",
		org.KindPartyCommittee: "党委", org.KindRescueTeam: "救援队伍", org.KindJudicial: "司法机关"}[kind]
}

// roleList names roles as a list of the catalogue, so a reason lists
// them in its reader's language.
func roleList(roles []string) i18n.RefList {
	names := make(i18n.RefList, len(roles))
	for i, r := range roles {
		names[i] = i18n.Ref("role." + r)
	}
	return names
}

// levelNames are how a ledger writes a region level.
var levelNames = map[string]string{
	"省级": regioncode.Province, "省": regioncode.Province, "province": regioncode.Province,
	"市级": regioncode.City, "地级": regioncode.City, "市": regioncode.City, "city": regioncode.City,
	"县级": regioncode.County, "区县级": regioncode.County, "县": regioncode.County, "区": regioncode.County, "county": regioncode.County,
	"乡级": regioncode.Township, "乡镇级": regioncode.Township, "乡镇": regioncode.Township, "township": regioncode.Township,
}

// LevelName is a region level's Chinese name.
func LevelName(level string) string {
	return map[string]string{regioncode.Province: "省级", regioncode.City: "市级", regioncode.County: "县级", regioncode.Township: "乡级"}[level]
}

// SectorName is a sector's Chinese name ("建筑施工").
func SectorName(sector string) string {
	if n, ok := industry.SectorNames[sector]; ok {
		name, _, _ := strings.Cut(n, " ")
		return name
	}
	return sector
}

var listSeparators = regexp.MustCompile(`[、,，;；/\s]+`)

// parseSectors reads sectors by key or Chinese name, separated by 、 or
// commas.
func parseSectors(s string) ([]string, error) {
	var out []string
	for _, w := range listSeparators.Split(strings.TrimSpace(s), -1) {
		if w == "" {
			continue
		}
		sector := ""
		for key := range industry.SectorNames {
			if strings.EqualFold(w, key) || SectorName(key) == w {
				sector = key
			}
		}
		if sector == "" {
			keys := make([]string, 0, len(industry.SectorNames))
			for key := range industry.SectorNames {
				keys = append(keys, key)
			}
			slices.Sort(keys)
			names := make(i18n.RefList, len(keys))
			for i, k := range keys {
				names[i] = i18n.Ref("sector." + k)
			}
			return nil, &ledger.Error{ID: "import.sector.unknown", Args: i18n.Args{"Sector": w, "Sectors": names}}
		}
		if !slices.Contains(out, sector) {
			out = append(out, sector)
		}
	}
	if len(out) == 0 {
		return nil, &ledger.Error{ID: "import.sector.none"}
	}
	return out, nil
}

// regionInCell reads a region code as a ledger writes it: "140502",
// "1405", or with its name after it ("140502 城区").
func regionInCell(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 {
		return s[:i]
	}
	return s
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006.01.02", "20060102", "2006-1-2", "2006/1/2", "2006.1.2",
	"2006年1月2日", "01-02-06", "1/2/06", "1/2/2006", "2006-01-02 15:04:05"}

// parseDay reads a date as a spreadsheet shows it, or an Excel serial
// number (a date cell formatted as a number).
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 && n < 2958466 {
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, &ledger.Error{ID: "import.date.bad", Args: i18n.Args{"Date": s}}
}

// masked reports whether a cell holds a masked number, as an export
// writes it (110105********123X, 138****5678).
func masked(s string) bool { return strings.Contains(s, "*") }
