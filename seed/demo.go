// Package seed writes the demo organisation `duty dev` starts with: 晋城市
// and its 城区, the district's party committee and government with their
// leaders, two policy administrators and an organisation administrator,
// two regulator departments, the city's 住建局 above them, and two
// enterprises with their managers — one login per person.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/store"
)

// DemoPassword is every demo login's password; `duty dev` prints it.
const DemoPassword = "duty-demo"

// DemoLogin is one demo account, for the start-up banner and tests.
type DemoLogin struct {
	Login string
	Name  string
	Title string
	Org   string
}

type demoOrg struct {
	code, kind, name, region, parent string
	industries                       []string
}

type demoPerson struct {
	login, name, org, role, title string
}

// Industries use short codes; pages show the Chinese names.
var demoOrgs = []demoOrg{
	{"14-jst", org.KindDepartment, "山西省住房和城乡建设厅", "14", "", []string{"construction"}},
	{"1405-jsj", org.KindDepartment, "晋城市住房和城乡建设局", "1405", "14-jst", []string{"construction"}},
	{"140502-qw", org.KindPartyCommittee, "中共晋城市城区委员会 (区委)", "140502", "", nil},
	{"140502-zf", org.KindGovernment, "晋城市城区人民政府 (区政府)", "140502", "", nil},
	{"140502-jsj", org.KindDepartment, "城区住房和城乡建设局 (区住建局)", "140502", "1405-jsj", []string{"construction"}},
	{"140502-yjj", org.KindDepartment, "城区应急管理局 (区应急管理局)", "140502", "140502-zf", []string{"mining", "hazardous_chemicals", "industry_trade"}},
	{"ent-hongda", org.KindEnterprise, "晋城市宏达建筑工程有限公司", "140502", "", []string{"construction"}},
	{"ent-xinyuan", org.KindEnterprise, "晋城市城区鑫源化工有限公司", "140502", "", []string{"hazardous_chemicals"}},
	// A second county under the city, so that 属地 has an outside.
	{"140525-jsj", org.KindDepartment, "泽州县住房和城乡建设局 (县住建局)", "140525", "1405-jsj", []string{"construction"}},
	{"ent-zeyu", org.KindEnterprise, "泽州县泽宇建设有限公司", "140525", "", []string{"construction"}},
	// Where a suspected crime is referred (涉嫌犯罪案件移送).
	{"140502-gaj", org.KindJudicial, "晋城市公安局城区分局", "140502", "", nil},
	// The city's people's government, which approves (批复) the accidents
	// the city investigates. Last, so that the ids above stay as the
	// README and the welcome text give them.
	{"1405-zf", org.KindGovernment, "晋城市人民政府 (市政府)", "1405", "", nil},
	// A rescue team that serves the district's two enterprises (救援服务
	// 协议) and inspects them for prevention (issue 17). Last, so that
	// the ids above stay.
	{"1405-jhd", org.KindRescueTeam, "晋城市矿山救护大队", "1405", "", nil},
}

// demoAgreements are the rescue team's agreements: team, enterprise.
var demoAgreements = [][2]string{{"1405-jhd", "ent-xinyuan"}, {"1405-jhd", "ent-hongda"}}

var demoPersons = []demoPerson{
	{"zhang.shuji", "张建国", "140502-qw", org.RolePartySecretary, "区委书记"},
	{"liu.quzhang", "刘志强", "140502-zf", org.RoleGovernmentHead, "区长"},
	{"chen.fuquzhang", "陈立新", "140502-zf", org.RoleDeputyHead, "分管安全生产副区长"},
	{"wang.juzhang", "王海涛", "140502-jsj", org.RoleDeptHead, "区住建局局长"},
	{"zhao.jiancha", "赵明", "140502-jsj", org.RoleInspector, "区住建局执法检查员"},
	{"sun.jiancha", "孙丽", "140502-jsj", org.RoleInspector, "区住建局执法检查员"},
	{"zhou.juzhang", "周文斌", "140502-yjj", org.RoleDeptHead, "区应急管理局局长"},
	{"wu.jiancha", "吴刚", "140502-yjj", org.RoleInspector, "区应急管理局执法检查员"},
	{"zheng.juzhang", "郑国华", "1405-jsj", org.RoleDeptHead, "市住建局局长"},
	{"feng.jiancha", "冯涛", "1405-jsj", org.RoleInspector, "市住建局执法检查员"},
	{"qian.zong", "钱宏达", "ent-hongda", org.RoleEnterpriseHead, "宏达建筑 主要负责人"},
	{"sun.jingli", "孙建军", "ent-hongda", org.RoleProjectManager, "宏达建筑 项目经理"},
	{"li.anquan", "李安全", "ent-hongda", org.RoleSafetyOfficer, "宏达建筑 安全员"},
	{"zhou.zong", "周鑫源", "ent-xinyuan", org.RoleEnterpriseHead, "鑫源化工 主要负责人"},
	{"wu.jingli", "吴永福", "ent-xinyuan", org.RoleProjectManager, "鑫源化工 项目经理"},
	{"zheng.anquan", "郑平安", "ent-xinyuan", org.RoleSafetyOfficer, "鑫源化工 安全员"},
	{"ma.jiancha", "马骏", "140525-jsj", org.RoleInspector, "泽州县住建局执法检查员"},
	{"he.zong", "何泽宇", "ent-zeyu", org.RoleEnterpriseHead, "泽宇建设 主要负责人"},
	{"admin.quan", "权立", "140502-zf", org.RolePolicyAdmin, "区政府 权限管理员"},
	// A second administrator of the district, so that a broad policy one
	// of them proposes can be approved by the other (双人审核).
	{"admin.shen", "沈审", "140502-qw", org.RolePolicyAdmin, "区委 权限管理员"},
	{"lin.tingzhang", "林振华", "14-jst", org.RoleDeptHead, "省住建厅厅长"},
	// The city's government approves (批复) the accidents the city investigates.
	{"gao.shizhang", "高建平", "1405-zf", org.RoleGovernmentHead, "市长"},
	// The district's organisation administrator keeps its organisations,
	// persons and posts (issue 15). Last, so that the ids above stay.
	{"yang.zuzhi", "杨志", "140502-zf", org.RoleOrgAdmin, "区政府 组织管理员"},
	// A member of the rescue team (issue 17). Last, so that the ids above stay.
	{"zhou.jiuhu", "周振国", "1405-jhd", org.RoleInspector, "矿山救护大队 救护队员"},
}

// demoCertificates are the demo officers' 执法证号, printed on their
// documents (an officer without one prints as "未登记").
var demoCertificates = []struct{ login, no string }{
	{"wang.juzhang", "14050220150007"},
	{"zhao.jiancha", "14050220180031"},
	{"sun.jiancha", "14050220200026"},
	{"zhou.juzhang", "14050220160002"},
	{"wu.jiancha", "14050220190018"},
	{"zheng.juzhang", "14050020140003"},
	{"feng.jiancha", "14050020200045"},
	{"ma.jiancha", "14052520210012"},
	{"lin.tingzhang", "14000020120001"},
}

// DemoLogins lists the demo accounts in seeding order.
func DemoLogins() []DemoLogin {
	names := map[string]string{}
	for _, o := range demoOrgs {
		names[o.code] = o.name
	}
	out := make([]DemoLogin, len(demoPersons))
	for i, p := range demoPersons {
		out[i] = DemoLogin{Login: p.login, Name: p.name, Title: p.title, Org: names[p.org]}
	}
	return out
}

// Demo writes the demo organisation (idempotently: running it again
// changes nothing). The caller then syncs the policies it implies. It
// reports whether this call created it.
func Demo(ctx context.Context, st *store.Store) (created bool, err error) {
	if _, err := st.PersonByLogin(ctx, demoPersons[0].login); err != nil {
		created = true
	}
	// Hashing is slow by design; do it once, outside the transaction, and
	// only for a new installation.
	hash := ""
	if created {
		if hash, err = auth.HashPassword(DemoPassword); err != nil {
			return false, err
		}
	}
	since := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err = pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		for _, r := range []org.Region{
			{Code: "14", Name: "山西省", Level: "province"},
			{Code: "1405", Name: "晋城市", Level: "city", ParentCode: "14"},
			{Code: "140502", Name: "城区", Level: "county", ParentCode: "1405"},
			{Code: "140525", Name: "泽州县", Level: "county", ParentCode: "1405"},
		} {
			if _, err := st.UpsertRegion(ctx, tx, r); err != nil {
				return fmt.Errorf("region %s: %w", r.Code, err)
			}
		}
		ids := map[string]int64{}
		for _, o := range demoOrgs {
			id, err := st.UpsertOrg(ctx, tx, org.Org{Code: o.code, Kind: o.kind, Name: o.name, RegionCode: o.region,
				Industries: nonNil(o.industries), ParentID: ids[o.parent]})
			if err != nil {
				return fmt.Errorf("org %s: %w", o.code, err)
			}
			ids[o.code] = id
		}
		for _, p := range demoPersons {
			pid, err := st.UpsertPerson(ctx, tx, org.Person{Login: p.login, Name: p.name, PasswordHash: hash})
			if err != nil {
				return fmt.Errorf("person %s: %w", p.login, err)
			}
			var portfolio []string
			if p.role == org.RoleDeputyHead {
				// 分管 construction only: 一岗双责 shows them those cases, not the chemical plant's.
				portfolio = []string{"construction"}
			}
			if err := st.EnsurePost(ctx, tx, pid, ids[p.org], p.role, p.title, portfolio, since); err != nil {
				return fmt.Errorf("post of %s: %w", p.login, err)
			}
		}
		for _, c := range demoCertificates {
			if err := st.SetEnforcementCertificate(ctx, tx, c.login, c.no); err != nil {
				return err
			}
		}
		// Written as the rest of the demo is, outside the organisation's
		// record (SaveRescueAgreement would make each a step of it).
		for _, a := range demoAgreements {
			if _, err := tx.Exec(ctx, `INSERT INTO rescue_agreements (team_id, enterprise_id, valid_from, document)
				VALUES ($1, $2, $3, '救援服务协议（演示）') ON CONFLICT (team_id, enterprise_id, valid_from) DO NOTHING`,
				ids[a[0]], ids[a[1]], since); err != nil {
				return fmt.Errorf("agreement %s–%s: %w", a[0], a[1], err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	return created, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
