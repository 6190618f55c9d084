// Package org is the domain vocabulary every layer shares: regions,
// organisations and their kinds, persons, the posts they hold over time and
// the roles of those posts. It holds types and constants only, no I/O, so
// that store (which reads and writes them), policy (which builds Ladon
// policies from them), api, activities, web and seed can all speak of the
// organisation without depending on one another.
package org

import "time"

// Region is an administrative region (行政区划). Path lists the codes
// from the top down ("/14/1405/140502/"), so "in this region or below" is
// a prefix match.
type Region struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
	Path       string `json:"path"`
}

// Org is an organisation: party committee, government, department,
// enterprise or rescue team (Kind is one of the Kind* constants). It
// carries its region's path and level because 属地 and authority limits
// are decided by them.
type Org struct {
	ID          int64    `json:"id"`
	Code        string   `json:"code"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	RegionCode  string   `json:"region_code"`
	RegionPath  string   `json:"region_path"`
	RegionLevel string   `json:"region_level"`
	Industries  []string `json:"industries"`
	ParentID    int64    `json:"parent_id,omitempty"`
	// CreditCode is the 统一社会信用代码 (package org/uscc), the key an
	// enterprise is imported by; "" where none is on record.
	CreditCode string `json:"credit_code,omitempty"`
	Address    string `json:"address,omitempty"`
	// IndustryCode is the GB/T 4754 code (package org/industry) an
	// enterprise's sector in Industries was derived from.
	IndustryCode string `json:"industry_code,omitempty"`
	// RiskClass is the class of graded supervision (package
	// org/riskclass), "" while unclassified.
	RiskClass string `json:"risk_class,omitempty"`
}

// Unit is one of an organisation's own units (车间, 班组, 岗位…), in a
// tree under it: the posts of a responsibility system (全员安全生产责任制)
// are posts in units. Kind is one of the Unit* constants.
type Unit struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	ParentID int64  `json:"parent_id,omitempty"`
}

// Kinds of internal unit, as stored in org_units.kind.
const (
	UnitDepartment = "department" // 部门, 科室
	UnitWorkshop   = "workshop"   // 车间
	UnitProject    = "project"    // 项目部
	UnitTeam       = "team"       // 班组
	UnitPost       = "post"       // 岗位
)

// UnitKinds lists the kinds of internal unit.
var UnitKinds = []string{UnitDepartment, UnitWorkshop, UnitProject, UnitTeam, UnitPost}

// RescueAgreement is a rescue team's agreement to serve an enterprise
// (救援服务协议). ValidTo is the last day covered, nil when open-ended.
type RescueAgreement struct {
	ID           int64      `json:"id"`
	TeamID       int64      `json:"team_id"`
	EnterpriseID int64      `json:"enterprise_id"`
	ValidFrom    time.Time  `json:"valid_from"`
	ValidTo      *time.Time `json:"valid_to,omitempty"`
	Document     string     `json:"document,omitempty"`
}

// Kinds of organisation, as stored in orgs.kind.
const (
	KindPartyCommittee = "party_committee" // 党委
	KindGovernment     = "government"      // 人民政府
	KindDepartment     = "department"      // 负有安全生产监督管理职责的部门
	KindEnterprise     = "enterprise"      // 生产经营单位
	KindRescueTeam     = "rescue_team"     // 救援队伍
	KindJudicial       = "judicial"        // 公安机关, 人民检察院: where a suspected crime is referred
)

// Person is someone who can log in or be named in a case. What they may
// do comes from the posts they hold, never from the person.
type Person struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
	// PasswordHash is never sent to a client.
	PasswordHash string `json:"-"`
}

// Post is a post a person holds in an organisation over a period: posts
// are held over time so that a case keeps who answered for it even after
// they moved on. The post is held from StartedOn up to, not including,
// EndedOn — the day it ended, when a transfer starts the next post — and
// EndedOn is nil while no end is recorded.
type Post struct {
	ID        int64      `json:"id"`
	PersonID  int64      `json:"person_id"`
	Org       Org        `json:"org"`
	Role      string     `json:"role"`
	Title     string     `json:"title"`
	Portfolio []string   `json:"portfolio,omitempty"`
	StartedOn time.Time  `json:"started_on"`
	EndedOn   *time.Time `json:"ended_on,omitempty"`
	// UnitID is the internal unit the post is in, 0 for the organisation
	// as a whole.
	UnitID int64 `json:"unit_id,omitempty"`
	// AppointDoc and EndDoc are the documents (文号) the appointment and
	// the end were recorded on; AppointedBy and EndedBy who recorded them.
	AppointedBy int64  `json:"appointed_by,omitempty"`
	AppointDoc  string `json:"appoint_doc,omitempty"`
	EndedBy     int64  `json:"ended_by,omitempty"`
	EndDoc      string `json:"end_doc,omitempty"`
}

// HeldOn reports whether the post is held on day (a date; the time of
// day is ignored).
func (p Post) HeldOn(day time.Time) bool {
	d := day.Format(time.DateOnly)
	return p.StartedOn.Format(time.DateOnly) <= d && (p.EndedOn == nil || p.EndedOn.Format(time.DateOnly) > d)
}

// PostHolder is a person holding a post in an organisation on a day: whom
// a notice or a summons to the organisation names.
type PostHolder struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Title    string `json:"title"`
}

// Roles of posts, as stored in posts.role. A post's role and its
// organisation make its Ladon subject.
const (
	RolePartySecretary = "party_secretary" // 党委书记
	RoleGovernmentHead = "government_head" // 政府主要负责人
	RoleDeputyHead     = "deputy_head"     // 分管负责人 (一岗双责)
	RoleDeptHead       = "dept_head"       // 局长
	RoleInspector      = "inspector"       // 执法检查人员
	RoleEnterpriseHead = "enterprise_head" // 主要负责人 (第一责任人)
	RoleProjectManager = "project_manager" // 项目经理
	RoleSafetyOfficer  = "safety_officer"  // 安全员
	RolePolicyAdmin    = "policy_admin"    // 权限管理员: edits policies
	RoleUnitHead       = "unit_head"       // 车间主任, 班组长: heads an internal unit
	RoleStaff          = "staff"           // 岗位人员: holds a post of a unit
)

// Roles lists every role a post may have.
var Roles = []string{RolePartySecretary, RoleGovernmentHead, RoleDeputyHead, RoleDeptHead, RoleInspector,
	RoleEnterpriseHead, RoleProjectManager, RoleSafetyOfficer, RolePolicyAdmin, RoleUnitHead, RoleStaff}
