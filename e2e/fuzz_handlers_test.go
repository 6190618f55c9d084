package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/campaign"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/plan"
	"github.com/duty-project/duty/workflows/report"
	"github.com/duty-project/duty/workflows/rescue"
	"github.com/duty-project/duty/workflows/talk"
)

// FuzzHandlers sends requests to every POST endpoint of the real duty —
// its API, its workflows on the embedded Temporal server, PostgreSQL —
// about cases prepared in many states, as people on every side and as
// nobody, with bodies the fuzzer mutates. Whatever the request:
//
//   - never a 5xx (a 503 says a step was not confirmed in time, which
//     load on a small machine may cause) and always a JSON answer;
//   - a request answered 4xx leaves the case as it was, byte for byte,
//     its timeline included (but for a step the case takes on its own,
//     by no person: a penalty decided counts the enterprise's penalties);
//   - an accepted step adds exactly one step to the case, taken by the
//     caller, one the case offered (next_actions), into a state of its
//     kind; a case it opens starts with the caller's step;
//   - and the case it leaves holds what the rules say every case holds
//     (caseInvariants): a deadline set by a step lies after the step and
//     within the rule set's period, a plan covers the 五落实, a talk is
//     scheduled ahead, a penalty stays within the acting department's
//     authority and is never heavier than notified, an accident's grade
//     follows its casualties.
//
// The last two are what catch a validator that accepts what it should
// refuse: the answer is a 2xx, and the case shows it.
//
// An input is a target — "<prepared case> <method> <path> as <login>",
// each part falling back to one picked by the target's hash when the
// fuzzer has mangled it — a body, and a number n that places the dates
// and amounts in the body: $DATE is n days ahead, $TIME n hours ahead,
// $WAN n × ¥10,000 (万元, as officials count fines); $NOW and $ORG(code)
// are filled in too. The fuzzer changes a number by at most 100 at a
// time, so a date crosses "now" and a fine an authority limit by one
// change, where changing the digits in the body would take luck. Every
// input starts from a case in its
// named state: one a step changed is replaced by a new one before it is
// used again, so an input fails the same way when it is run alone.
func FuzzHandlers(f *testing.F) {
	for _, s := range handlerSeeds {
		f.Add(s.target, []byte(s.body), s.n)
	}
	var rig *handlerRig
	if !fuzzCoordinator() {
		rig = newHandlerRig(f)
	}
	f.Fuzz(func(t *testing.T, target string, body []byte, n int16) {
		rig.try(t, target, body, n)
	})
}

// fuzzCoordinator reports whether this process only coordinates fuzzing:
// with -fuzz, the process `go test` starts hands the inputs to worker
// processes, each of which runs the target's setup again, and runs none
// itself — so it need not start duty.
func fuzzCoordinator() bool {
	fuzz, worker := flag.Lookup("test.fuzz"), flag.Lookup("test.fuzzworker")
	return fuzz != nil && fuzz.Value.String() != "" && (worker == nil || worker.Value.String() != "true")
}

// handlerSeed is a request that makes sense for its prepared case: most
// are accepted, so the fuzzer starts at the edge between accepted and
// refused.
type handlerSeed struct {
	target, body string
	n            int16
}

const (
	hz  = "POST /api/v1/hazards/{caseNo}/"
	tk  = "POST /api/v1/talks/{caseNo}/"
	pn  = "POST /api/v1/penalties/{caseNo}/"
	es  = "POST /api/v1/escalations/{caseNo}/"
	ac  = "POST /api/v1/accidents/{caseNo}/"
	ip  = "POST /api/v1/inspections/{caseNo}/"
	cs  = "POST /api/v1/cases/{caseNo}/"
	rp  = "POST /api/v1/rescue-inspections/{caseNo}/"
	rep = "POST /api/v1/reports/{caseNo}/"
	rsc = " as zhou.jiuhu" // 矿山救护大队, which serves 宏达建筑
	cp  = "POST /api/v1/campaigns/{caseNo}/"
	ins = " as zhao.jiancha"  // 区住建局 inspector
	hd  = " as wang.juzhang"  // 区住建局 head
	ent = " as qian.zong"     // 宏达建筑, whose cases these are
	cty = " as zheng.juzhang" // 市住建局 head, who receives the escalations
	gov = " as liu.quzhang"   // 区长, whose government approves (批复) the district's accidents
)

var handlerSeeds = []handlerSeed{
	{"hazard/reported POST /api/v1/hazards" + ins, `{"grade":"major","enterprise_id":$ORG(ent-hongda),"location":"3号楼","description":"连墙件缺失"}`, 0},
	{"hazard/reported " + hz + "order" + ins, `{"measures":"补设连墙件","deadline":"$DATE"}`, 20},
	{"hazard/reported " + hz + "order" + ins, `{"measures":"补设连墙件","deadline":"$DATE"}`, 1},
	{"hazard/ordered " + hz + "plan" + ent, `{"responsible_person":"钱宏达","measures":"补设","funds_yuan":150000,"deadline":"$DATE","emergency_plan":"撤离"}`, 10},
	{"hazard/plan-submitted " + hz + "plan-review" + ins, `{"approve":true,"comment":"同意"}`, 0},
	{"hazard/plan-submitted " + hz + "plan-review" + ins, `{"approve":false,"comment":"资金不足"}`, 0},
	{"hazard/rectifying " + hz + "completion" + ent, `{"summary":"已补设","evidence":[{"name":"整改后.jpg"}]}`, 0},
	{"hazard/ordered-general " + hz + "completion" + ent, `{"summary":"已补设","evidence":[{"name":"整改后.jpg"}]}`, 0},
	{"hazard/completion-reported " + hz + "reinspection" + ins, `{"passed":true,"findings":"符合要求"}`, 0},
	{"hazard/completion-reported " + hz + "reinspection" + ins, `{"passed":false,"findings":"仍缺2处","new_measures":"补齐","new_deadline":"$DATE"}`, 10},
	{"hazard/rectifying " + hz + "extension-request" + ent, `{"reason":"钢管供应延误","new_deadline":"$DATE"}`, 30},
	{"hazard/ordered-general " + hz + "extension-request" + ent, `{"reason":"钢管供应延误","new_deadline":"$DATE"}`, 21},
	{"hazard/extension-requested " + hz + "extension-decision" + ins, `{"grant":true,"comment":"同意","new_deadline":"$DATE"}`, 25},
	{"hazard/extension-requested " + hz + "extension-decision" + ins, `{"grant":true,"comment":"同意","new_deadline":"$DATE"}`, 1},
	{"hazard/extension-requested " + hz + "extension-decision" + hd, `{"grant":false,"comment":"理由不足"}`, 0},

	{"hazard/ordered " + cs + "warning-talks" + ins, `{"persons":[{"name":"钱宏达","role":"企业负责人"}],"scheduled_at":"$TIME","place":"区住建局会议室","subject":"隐患逾期未整改"}`, 48},
	{"talk/due " + tk + "record" + ins, `{"attendance":[{"name":"钱宏达","attended":true}],"minutes":"承认整改不及时","commitments":"三日内完成"}`, 0},
	{"talk/held " + tk + "report" + ent, `{"summary":"已补设剪刀撑","evidence":[{"name":"照片.jpg"}]}`, 0},
	{"talk/scheduled " + tk + "cancel" + ins, `{"reason":"企业已整改"}`, 0},

	{"hazard/ordered " + cs + "penalty-authority" + hd, `{"kind":"fine","amount_yuan":$WAN}`, 5},
	{"hazard/ordered " + cs + "penalties" + ins, `{"party":{"kind":"unit","name":"晋城市宏达建筑工程有限公司"},"proposed":{"kind":"fine","amount_yuan":$WAN},"facts":"逾期未整改","grounds":"安全生产法第一百零二条","co_officer_login":"sun.jiancha"}`, 5},
	{"penalty/opened " + pn + "notify" + ins, `{"note":"依法告知"}`, 0},
	{"penalty/opened " + pn + "notify" + ins, `{"penalty":{"kind":"fine","amount_yuan":$WAN},"note":"依法告知"}`, 8},
	{"penalty/opened " + pn + "on-the-spot" + ins, `{"penalty":{"kind":"warning"},"reasons":"当场","document_no":"晋城建罚〔2026〕1号","received_by":"钱宏达"}`, 0},
	{"penalty/opened " + pn + "withdrawal" + ins, `{"reason":"证据不足"}`, 0},
	{"penalty/notified " + pn + "plead" + ent, `{"statement":"已积极整改，请求从轻","requested_amount_yuan":$WAN}`, 3},
	{"penalty/notified " + pn + "waiver" + ent, `{"statement":"放弃陈述申辩和听证"}`, 0},
	{"penalty/notified " + pn + "hearing-request" + ent, `{"reason":"对罚款数额有异议"}`, 0},
	{"penalty/hearing-requested " + pn + "hearing-schedule" + ins, `{"at":"$TIME","place":"区住建局","presider":"王海涛"}`, 240},
	{"penalty/hearing-requested " + pn + "hearing-record" + ins, `{"transcript":"听证笔录","party_attended":true}`, 0},
	{"penalty/notified " + pn + "discussion" + hd, `{"participants":["王海涛","赵明","孙丽"],"conclusion":"同意"}`, 0},
	{"penalty/waived " + pn + "decision" + hd, `{"penalty":{"kind":"fine","amount_yuan":$WAN},"reasons":"逾期未整改"}`, 4},
	{"penalty/decided " + pn + "service" + ins, `{"method":"direct","received_by":"钱宏达"}`, 0},
	{"penalty/served " + pn + "payment" + ent, `{"amount_fen":4000000,"receipt":"R1"}`, 0},
	{"penalty/served " + pn + "appeal" + ent, `{"kind":"review","body":"市政府"}`, 0},
	{"penalty/served " + pn + "appeal-result" + ins, `{"outcome":"upheld","summary":"维持"}`, 0},
	{"penalty/served " + pn + "reminder" + ins, `{"reference":"催告1号"}`, 0},
	{"penalty/served " + pn + "enforcement" + ins, `{"court":"城区人民法院"}`, 0},
	{"penalty/served " + pn + "daily-fine-stop" + ins, `{"findings":"已整改"}`, 0},

	{"hazard/ordered " + cs + "escalations" + hd, `{"to_org_id":$ORG(1405-jsj),"reason":"authority_limit","summary":"拟罚款50万元，超出区级权限","amount_yuan":$WAN}`, 50},
	{"escalation/submitted " + es + "acknowledge" + cty, `{}`, 0},
	{"escalation/submitted " + es + "return" + cty, `{"reason":"材料不全"}`, 0},
	{"escalation/acknowledged " + es + "forward" + cty, `{"to_org_id":$ORG(14-jst),"reason":"涉及全省同类工程"}`, 0},
	{"escalation/acknowledged " + es + "decide" + cty, `{"decision":"市住建局立案处罚"}`, 0},

	{"accident/reported POST /api/v1/accidents" + ins, `{"enterprise_id":$ORG(ent-hongda),"occurred_at":"$TIME","place":"3号楼","deaths":1,"serious_injured":0,"direct_loss_yuan":800000,"description":"高处坠落","unit_reporter":"钱宏达"}`, -1},
	{"accident/reported " + ac + "report-up" + ins, `{"to_level":"city","to_org":"晋城市住房和城乡建设局"}`, 0},
	{"accident/reported " + ac + "amendment" + ins, `{"deaths":2,"serious_injured":1,"direct_loss_yuan":900000,"reason":"一人抢救无效死亡"}`, 0},
	{"accident/reported " + ac + "team" + hd, `{"leader":"王海涛","members":[{"name":"王海涛","org":"区住建局","role":"组长"},{"name":"赵明","org":"区住建局","role":"成员"}]}`, 0},
	{"accident/investigating " + ac + "appraisal-start" + ins, `{"subject":"安全带","institution":"省建科院"}`, 0},
	{"accident/investigating " + ac + "appraisal-end" + ins, `{"findings":"合格"}`, 0},
	{"accident/investigating " + ac + "extension" + hd, `{"days":20,"reason":"涉及多家单位"}`, 0},
	{"accident/investigating " + ac + "investigation-report" + ins, `{"cause":"未系安全带","nature":"一般生产安全责任事故","recommendations":"加强教育","signatures":["王海涛","赵明"],"responsible_persons":[{"name":"孙建军","post":"项目经理","org":"宏达建筑","category":"enterprise","responsibility":"未组织教育"}]}`, 0},
	{"accident/submitted " + ac + "approval-extension" + hd, `{"reason":"x"}`, 0},
	{"accident/submitted " + ac + "approval" + hd, `{"decision":"同意","document_no":"城政函〔2026〕1号"}`, 0},
	{"accident/submitted " + ac + "approval" + gov, `{"decision":"同意","document_no":"城政函〔2026〕1号"}`, 0},
	{"accident/approved " + ac + "accountability" + ins, `{"person":"孙建军","measure":"discipline","reference":"宏建〔2026〕3号"}`, 0},
	{"accident/approved " + ac + "accountability-carried-out" + ins, `{"person":"孙建军","note":"已处分"}`, 0},
	{"accident/approved " + ac + "measures" + ins, `{"measures":[{"measure":"设置生命线","location":"3号楼","grade":"general"}]}`, 0},
	{"accident/approved " + ac + "assessment" + ins, `{"findings":"已落实","published":true}`, 0},
	{"accident/approved " + ac + "education" + ins, `{"kind":"training","topic":"高处作业","attendance":[{"name":"孙建军","unit":"宏达建筑","attended":true}]}`, 0},
	{"accident/approved " + ac + "fines" + hd, `{"unit_fine_yuan":$WAN,"principal":"钱宏达","principal_income_yuan":200000,"principal_fine_yuan":80000,"reasons":"x"}`, 30},
	{"accident/approved " + cs + "penalties" + hd, `{"party":{"kind":"unit","name":"晋城市宏达建筑工程有限公司"},"proposed":{"kind":"fine","amount_yuan":$WAN},"facts":"事故责任","grounds":"安全生产法第一百一十四条","co_officer_login":"zhao.jiancha"}`, 30},
	{"accident/approved " + cs + "penalties" + hd, `{"party":{"kind":"person","name":"钱宏达"},"proposed":{"kind":"fine","amount_yuan":80000},"principal_income_yuan":$WAN,"article":"95","facts":"事故责任","grounds":"安全生产法第九十五条","co_officer_login":"zhao.jiancha"}`, 20},
	{"accident/approved " + ac + "gate-sign-off" + hd, `{"gate":"cause"}`, 0},
	{"accident/approved " + ac + "close" + hd, `{"comment":"结案"}`, 0},

	{"inspection/inspecting POST /api/v1/inspections" + ins, `{"enterprise_id":$ORG(ent-hongda),"second_officer_login":"sun.jiancha","place":"凤台街工地"}`, 0},
	{"inspection/inspecting " + ip + "items" + ins, `{"no":"1","result":"failed","note":"无证作业","photos":[{"name":"现场.jpg"}]}`, 0},
	{"inspection/inspecting " + ip + "items" + ins, `{"no":"2","result":"passed"}`, 0},
	{"inspection/failed " + ip + "decisions" + ins, `{"no":"1","decision":"order","measures":"持证上岗","deadline":"$DATE"}`, 10},
	{"inspection/failed " + ip + "decisions" + ins, `{"no":"1","decision":"stop","scope":"电焊作业","measures":"持证上岗","deadline":"$DATE"}`, 10},
	{"inspection/failed " + ip + "decisions" + ins, `{"no":"1","decision":"corrected","note":"当场更换持证人员"}`, 0},
	{"inspection/decided " + ip + "signatures" + ins, `{"signer":"officer"}`, 0},
	{"inspection/decided " + ip + "refusal" + ins, `{"name":"钱宏达","reason":"拒绝签字"}`, 0},
	{"inspection/signing " + ip + "signatures" + ins, `{"signer":"enterprise","name":"钱宏达"}`, 0},
	{"rescue/reported POST /api/v1/rescue-inspections" + rsc, `{"enterprise_id":$ORG(ent-hongda),"place":"3号楼","findings":"塔吊基础沉降","major":true,"advice":"停止塔吊作业，撤出人员"}`, 0},
	{"rescue/reported POST /api/v1/rescue-inspections" + rsc, `{"enterprise_id":$ORG(ent-hongda),"place":"3号楼","findings":"消防通道堵塞"}`, 0},
	{"rescue/reported " + rp + "acknowledgements" + ent, `{"note":"已停工撤人"}`, 0},
	{"rescue/reported " + rp + "acknowledgements" + ins, `{}`, 0},
	{"rescue/reported " + rp + "decision" + ins, `{"open":true,"reasons":"属重大事故隐患","measures":"加固基础","deadline":"$DATE"}`, 10},
	{"rescue/reported " + rp + "decision" + ins, `{"open":false,"reasons":"复核不属实"}`, 0},
	{"rescue/following " + rp + "follow-ups" + rsc, `{"note":"基础加固中"}`, 0},
	{"rescue/following " + rp + "follow-ups" + rsc, `{"note":"已整改到位","rectified":true}`, 0},

	// The yearly plan: one a department and year ($YEAR is this year
	// plus n); draws leave the plan's case as it was.
	{"plan/in_force POST /api/v1/plans" + ins, `{"year":$YEAR}`, 1},
	{"plan/in_force POST /api/v1/plans/{caseNo}/draws" + ins, `{"count":1}`, 0},
	{"plan/in_force POST /api/v1/plans/{caseNo}/draws" + hd, `{"count":2}`, 0},

	// Campaigns (专项整治): the city's bureau starts one over the city; the
	// district's bureau submits its part; the district's government
	// passes its part down; the city opens a 督办 on a plan not yet late.
	{"campaign/bureau-part POST /api/v1/campaigns" + cty, `{"title":"建筑施工安全专项整治","sectors":["construction"],"regions":["1405"],` +
		`"starts":"$DATE","ends":"2099-12-31","plan_due":"$DATE","report_dues":["2099-06-30","2099-11-30"]}`, 7},
	{"campaign/bureau-part " + cp + "submissions" + hd, `{"text":"对辖区在建工地逐一排查","attachments":[{"name":"方案.pdf"}]}`, 0},
	{"campaign/bureau-part " + cp + "submissions" + hd, `{"text":"已检查12家","figures":{"inspections":12,"hazards_found":30,"hazards_rectified":20}}`, 0},
	{"campaign/bureau-part " + cp + "escalations" + cty, `{"key":"plan","summary":"请说明未按期报送的原因"}`, 0},
	{"campaign/district-part " + cp + "pass-down" + gov, `{"plan_due":"$DATE","report_dues":["2099-06-30"]}`, 5},

	// Reports from the public (举报): filed without login (the token sent
	// is ignored); the handling department's steps and its reading of the
	// reporter (answered without a case: no step).
	{"hazard/reported POST /api/v1/public/reports" + ins, `{"enterprise":"晋城市宏达建筑工程有限公司","place":"3号楼","what":"临边无防护"}`, 0},
	{"hazard/reported POST /api/v1/public/reports" + ins, `{"enterprise":"东街小作坊","region_code":"140502","place":"东街","what":"违规存放气瓶","name":"刘群众","phone":"13912345678"}`, 0},
	{"report/received " + rep + "inspection" + ins, `{"inspection_no":"JC-140502-$YEAR-000001"}`, 0},
	{"report/received " + rep + "reporter" + ins, `{}`, 0},
	{"report/verifying " + rep + "outcome" + ins, `{"confirmed":false,"reason":"现场未发现所举报问题"}`, 0},
	{"report/verifying " + rep + "outcome" + ins, `{"confirmed":true,"reason":"属实"}`, 0},
	{"report/verifying " + rep + "reward" + hd, `{"granted":true,"amount_yuan":3000,"grounds":"举报奖励办法"}`, 0},

	{"hazard/ordered " + cs + "documents/{docID}/service" + ins, `{"method":"直接","served_at":"$NOW","received_by":"钱宏达"}`, 0},
	// Recording what the caller has seen changes nothing of the case.
	{"hazard/ordered " + cs + "seen" + ent, `{}`, 0},
	{"hazard/ordered POST /api/v1/notifications/{id}/read" + ent, `{}`, 0},

	// Routes about no case: sessions, sign-in, policy proposals. Refused,
	// they must leave the case they are tried beside as it was.
	{"hazard/reported POST /api/v1/token/refresh" + ins, `{"refresh_token":"not-a-refresh-token"}`, 0},
	{"hazard/reported POST /api/v1/login/oidc/start" + ins, `{"next":"/desk"}`, 0},
	{"hazard/reported POST /api/v1/login/oidc/finish" + ins, `{"code":"x","state":"y","bundle":"z"}`, 0},
	{"hazard/reported POST /api/v1/policies/proposals/{id}/approve as admin.shen", `{}`, 0},
	{"hazard/reported POST /api/v1/policies/proposals/{id}/reject as admin.shen", `{"note":"不同意"}`, 0},
	// The organisation's administration ({orgID} is 宏达建筑, whose
	// 主要负责人 keeps its people; {postID} and {personID} are 1, not
	// his): no case changes.
	{"hazard/reported POST /api/v1/regions as admin.quan", `{"code":"140502001","name":"西街街道","parent_code":"140502"}`, 0},
	{"hazard/reported POST /api/v1/orgs as qian.zong", `{"kind":"enterprise","name":"某公司","region_code":"140502","credit_code":"91140502MA0000001X","industry_code":"4720"}`, 0},
	{"hazard/reported POST /api/v1/orgs/{orgID}/units as qian.zong", `{"code":"WS1","kind":"workshop","name":"一号车间"}`, 0},
	{"hazard/reported POST /api/v1/orgs/{orgID}/rescue-agreements as qian.zong", `{"enterprise_id":$ORG(ent-hongda),"valid_from":"$DATE"}`, 0},
	{"hazard/reported POST /api/v1/orgs/{orgID}/persons as qian.zong", `{"name":"赵安全","id_number":"11010519491231002X","phone":"13812345678"}`, 0},
	{"hazard/reported POST /api/v1/orgs/{orgID}/posts as qian.zong", `{"person_id":1,"role":"staff","title":"岗位","starts_on":"$DATE"}`, 0},
	{"hazard/reported POST /api/v1/posts/{postID}/end as qian.zong", `{"on":"$DATE"}`, 0},
	{"hazard/reported POST /api/v1/posts/{postID}/transfer as qian.zong", `{"org_id":$ORG(ent-hongda),"role":"staff","title":"岗位"}`, 0},
	{"hazard/reported POST /api/v1/persons/{personID}/personal as qian.zong", `{"purpose":"核对"}`, 0},
	// An import takes a file (multipart); a JSON body is refused.
	{"hazard/reported POST /api/v1/imports/{kind} as admin.quan", `{}`, 0},
}

// handlerRig is one `duty dev` with the demo organisation, its people
// logged in, and a pool of prepared cases, one per state.
type handlerRig struct {
	duty   *instance
	routes []string            // "POST /api/v1/…", from /openapi.json
	logins []string            // who may send: demo logins, "nobody" and "forged"
	users  map[string]*account // by login
	orgs   map[string]int64    // organisation ids by code
	levels map[int64]string    // region level by organisation id
	stocks map[string]*stock   // by state name; used by one input at a time
	viewer *account            // sees every prepared case
	done   chan struct{}       // closed when the test is over
}

// account is a logged-in person (or nobody).
type account struct {
	login, token string
	personID     int64
}

// pooled is a prepared case as it stood after its last step.
type pooled struct {
	caseNo string
	// seen is GET /api/v1/cases/{caseNo}: the case and its timeline.
	seen []byte
	docs []string
}

func newHandlerRig(t testing.TB) *handlerRig {
	t.Helper()
	r := &handlerRig{duty: start(t, dataDir(t), pgtest.NewDatabase(t)), users: map[string]*account{},
		orgs: map[string]int64{}, levels: map[int64]string{}, stocks: map[string]*stock{}, done: make(chan struct{})}
	// Before duty stops (cleanups run last first), so that preparations
	// under way give up rather than report a server that went away.
	t.Cleanup(func() { close(r.done) })
	for _, login := range []string{"zhao.jiancha", "sun.jiancha", "wang.juzhang", "zheng.juzhang", "lin.tingzhang",
		"wu.jiancha", "ma.jiancha", "qian.zong", "zhou.zong", "zhang.shuji", "liu.quzhang", "chen.fuquzhang", "admin.quan", "admin.shen", "zhou.jiuhu", "gao.shizhang"} {
		u := r.duty.login(login)
		r.users[login] = &account{login: login, token: u.token, personID: u.personID}
	}
	r.users["nobody"] = &account{login: "nobody"}
	r.users["forged"] = &account{login: "forged", token: "eyJhbGciOiJIUzI1NiJ9.e30.forged"}
	r.logins = sortedKeys(r.users)
	r.viewer = r.users["zhao.jiancha"]

	_, raw := r.send(t, r.viewer, "GET", "/api/v1/orgs", nil)
	var orgs struct {
		Orgs []struct {
			ID          int64  `json:"id"`
			Code        string `json:"code"`
			RegionLevel string `json:"region_level"`
		} `json:"orgs"`
	}
	if err := json.Unmarshal(raw, &orgs); err != nil {
		t.Fatalf("orgs: %v", err)
	}
	for _, o := range orgs.Orgs {
		r.orgs[o.Code], r.levels[o.ID] = o.ID, o.RegionLevel
	}

	// Every POST endpoint but logging in and out, from the routes table
	// as the server publishes it: a new endpoint is fuzzed without being
	// listed here, and must have a seed.
	_, raw = r.send(t, r.viewer, "GET", "/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	seeded := map[string]bool{}
	for _, s := range handlerSeeds {
		if _, route, _, ok := parseTarget(s.target); ok {
			seeded[route] = true
		}
	}
	for path, ops := range doc.Paths {
		if _, ok := ops["post"]; !ok || path == "/api/v1/login" || path == "/api/v1/logout" {
			continue
		}
		route := "POST " + path
		r.routes = append(r.routes, route)
		if !seeded[route] {
			t.Errorf("FuzzHandlers has no seed for %s: add one to handlerSeeds", route)
		}
	}
	slices.Sort(r.routes)
	for _, s := range handlerSeeds {
		if state, route, login, ok := parseTarget(s.target); !ok || preparations[state] == nil || !slices.Contains(r.routes, route) || r.users[login] == nil {
			t.Errorf("seed %q: want \"<prepared case> POST <path> as <login>\" of known ones", s.target)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return r
}

// parseTarget splits "<state> <method> <path> as <login>".
func parseTarget(target string) (state, route, login string, ok bool) {
	f := strings.Fields(target)
	if len(f) != 5 || f[3] != "as" {
		return "", "", "", false
	}
	return f[0], f[1] + " " + f[2], f[4], true
}

// pick is name if it is one of names, otherwise the one the target's hash
// picks (salted, so that the parts of one target pick independently).
func pick(names []string, name, target, salt string) string {
	if slices.Contains(names, name) {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(salt + target))
	return names[h.Sum32()%uint32(len(names))]
}

var orgPlaceholder = regexp.MustCompile(`\$ORG\(([a-z0-9-]+)\)`)

// fill puts dates, amounts and organisation ids into a body.
func (r *handlerRig) fill(body []byte, n int16, now time.Time) []byte {
	body = bytes.ReplaceAll(body, []byte("$DATE"), []byte(now.Add(time.Duration(n)*24*time.Hour).In(rules.China).Format(time.DateOnly)))
	body = bytes.ReplaceAll(body, []byte("$TIME"), []byte(now.Add(time.Duration(n)*time.Hour).Format(time.RFC3339)))
	body = bytes.ReplaceAll(body, []byte("$WAN"), []byte(strconv.Itoa(int(n)*10_000)))
	body = bytes.ReplaceAll(body, []byte("$NOW"), []byte(now.Format(time.RFC3339)))
	body = bytes.ReplaceAll(body, []byte("$YEAR"), []byte(strconv.Itoa(now.In(rules.China).Year()+int(n))))
	return orgPlaceholder.ReplaceAllFunc(body, func(m []byte) []byte {
		return []byte(strconv.FormatInt(r.orgs[string(orgPlaceholder.FindSubmatch(m)[1])], 10))
	})
}

// try sends one input and checks what it did.
func (r *handlerRig) try(t *testing.T, target string, body []byte, n int16) {
	state, route, login, _ := parseTarget(target)
	state = pick(sortedKeys(preparations), state, target, "state")
	route = pick(r.routes, route, target, "route")
	caller := r.users[pick(r.logins, login, target, "login")]
	pc := r.take(t, state)
	// The case goes back to the stock only when it is as it was;
	// otherwise (a step, or a failure) another is prepared.
	unchanged := false
	defer func() {
		if unchanged {
			r.stocks[state].ready <- pc
		} else {
			r.usedUp(state)
		}
	}()
	method, path, _ := strings.Cut(route, " ")
	path = strings.ReplaceAll(path, "{caseNo}", pc.caseNo)
	path = strings.ReplaceAll(path, "{id}", "1")
	path = strings.NewReplacer("{orgID}", strconv.FormatInt(r.orgs["ent-hongda"], 10), "{postID}", "1", "{personID}", "1",
		"{kind}", "enterprises").Replace(path)
	if strings.Contains(path, "{docID}") {
		doc := "none"
		if len(pc.docs) > 0 {
			doc = pc.docs[0]
		}
		path = strings.ReplaceAll(path, "{docID}", doc)
	}
	body = r.fill(body, n, time.Now())
	what := fmt.Sprintf("%s %s (a %s case) as %s with %s", method, path, state, caller.login, body)

	status, raw := r.send(t, caller, method, path, body)
	var answer struct {
		Case *json.RawMessage `json:"case"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("%s: %d, not JSON: %.300s", what, status, raw)
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// Not confirmed in time: the step may yet be taken. Nothing to
		// check, and the case may change.
		return
	case status >= 500:
		t.Fatalf("%s: %d %.300s", what, status, raw)
	case status >= 300 || answer.Case == nil:
		// Refused — or answered without a case (the penalty authority, a
		// document's service), which is no step either.
		if now := r.get(t, r.viewer, pc.caseNo); !bytes.Equal(now, pc.seen) {
			before, after := readCase(t, pc.seen), readCase(t, now)
			if _, ok := systemStepsOnly(before, after); !ok {
				t.Fatalf("%s: %d %.300s\nchanged the case:\nsteps before: %s\nsteps after:  %s\nbefore %s\nafter  %s",
					what, status, raw, before.steps(), after.steps(), pc.seen, now)
			}
			pc.seen = now // it took a step of its own
		}
		unchanged = true
		return
	}
	// Accepted: the case it answered with is the one acted on or a new
	// one (a talk, penalty or escalation about it, a case opened); either
	// way the prepared case is used up.
	var c caseHead
	if err := json.Unmarshal(*answer.Case, &c); err != nil {
		t.Fatalf("%s: %d, the case does not read: %v", what, status, err)
	}
	// A case it opened is read as the caller, who may see it; the viewer
	// may not (another sector's accident, say).
	var before caseRead
	reader := caller
	if c.CaseNo == pc.caseNo {
		before, reader = readCase(t, pc.seen), r.viewer
	}
	now := r.get(t, reader, c.CaseNo)
	after := readCase(t, now)
	if msg := r.checkStep(before, after, caller); msg != "" {
		t.Fatalf("%s: %d, accepted, but %s\nsteps before: %s\nsteps after:  %s\ncase before: %s\ncase after:  %s",
			what, status, msg, before.steps(), after.steps(), pc.seen, now)
	}
}

// caseHead is the common part of any case's view.
type caseHead struct {
	cases.Summary
	NextActions []string `json:"next_actions"`
}

// caseRead is GET /api/v1/cases/{caseNo} read: the common part, the whole
// view for the kind's own checks, and the timeline.
type caseRead struct {
	head     caseHead
	view     json.RawMessage
	timeline []store.AuditEntry
}

func readCase(t failer, raw []byte) caseRead {
	t.Helper()
	var out struct {
		Case     json.RawMessage    `json:"case"`
		Timeline []store.AuditEntry `json:"timeline"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("a case does not read: %v: %.300s", err, raw)
	}
	c := caseRead{view: out.Case, timeline: out.Timeline}
	if err := json.Unmarshal(out.Case, &c.head); err != nil {
		t.Fatalf("a case does not read: %v: %.300s", err, raw)
	}
	return c
}

// steps lists the timeline briefly: number, action, who.
func (c caseRead) steps() string {
	var out []string
	for _, e := range c.timeline {
		out = append(out, fmt.Sprintf("%d %s by %s (%d) at %s", e.Seq, e.Action, e.Actor.Name, e.Actor.PersonID, e.At.Format("15:04:05.000")))
	}
	return strings.Join(out, "; ")
}

// states are the states of each kind of case.
var states = map[cases.Kind][]string{
	cases.KindHazard: {string(hazard.Reported), string(hazard.Ordered), string(hazard.PlanSubmitted), string(hazard.Rectifying),
		string(hazard.CompletionReported), string(hazard.Closed)},
	cases.KindTalk: {string(talk.Scheduled), string(talk.Held), string(talk.Complied), string(talk.Failed), string(talk.Cancelled)},
	cases.KindPenalty: {string(penalty.Opened), string(penalty.Notified), string(penalty.HearingRequested), string(penalty.HearingScheduled),
		string(penalty.HearingHeld), string(penalty.Decided), string(penalty.Served), string(penalty.PaymentOverdue), string(penalty.Reminded),
		string(penalty.Paid), string(penalty.Executed), string(penalty.Revoked), string(penalty.EnforcementApplied), string(penalty.Withdrawn)},
	cases.KindAccident: {string(accident.Reported), string(accident.Investigating), string(accident.InAppraisal), string(accident.Submitted),
		string(accident.Approved), string(accident.Closed)},
	cases.KindEscalation: {string(escalation.Submitted), string(escalation.Acknowledged), string(escalation.Decided), string(escalation.Returned)},
	cases.KindInspection: {string(inspection.Inspecting), string(inspection.Signing), string(inspection.Closed)},
	cases.KindRescue:     {string(rescue.Reported), string(rescue.Following), string(rescue.Closed)},
	cases.KindReport:     {string(report.Received), string(report.Verifying), string(report.Confirmed), string(report.Closed)},
	cases.KindPlan:       {string(plan.InForce), string(plan.Closed)},
	cases.KindCampaign:   {string(campaign.Running), string(campaign.Ended)},
}

// checkStep checks an accepted request: after is the case it acted on
// (before is that case as it was) or a case it opened (before is zero).
// It says what is wrong, or "".
func (r *handlerRig) checkStep(before, after caseRead, caller *account) string {
	for i, e := range after.timeline {
		if e.Seq != int64(i+1) {
			return fmt.Sprintf("the timeline's step %d has number %d", i+1, e.Seq)
		}
	}
	var mine []store.AuditEntry
	added, ok := addedSteps(before, after)
	for _, e := range added {
		switch e.Actor.PersonID {
		case caller.personID:
			mine = append(mine, e)
		case 0: // the case's own (a penalty decided counts the enterprise's penalties)
		default:
			ok = false
		}
	}
	switch {
	case !ok:
		return "the steps before it changed, or someone else took a step"
	case len(mine) != 1:
		return fmt.Sprintf("the caller (person %d) took %d new steps, want 1", caller.personID, len(mine))
	case before.timeline != nil && !slices.Contains(before.head.NextActions, mine[0].Action):
		return fmt.Sprintf("the step %q was not among those the case offered, %v", mine[0].Action, before.head.NextActions)
	case before.timeline != nil && mine[0].StateBefore != before.head.State:
		return fmt.Sprintf("the step started from %q, but the case was %q", mine[0].StateBefore, before.head.State)
	case !slices.Contains(states[after.head.Kind], after.head.State):
		return fmt.Sprintf("the case is in %q, not a state of a %s case %v", after.head.State, after.head.Kind, states[after.head.Kind])
	}
	return r.caseInvariants(after)
}

// addedSteps are the steps after has beyond before, and whether before's
// steps are still there as they were.
func addedSteps(before, after caseRead) ([]store.AuditEntry, bool) {
	n := len(before.timeline)
	if len(after.timeline) < n {
		return nil, false
	}
	for i, e := range before.timeline {
		if !reflect.DeepEqual(e, after.timeline[i]) {
			return nil, false
		}
	}
	return after.timeline[n:], true
}

// systemStepsOnly reports whether after is before with steps the case
// took on its own (no person's) added.
func systemStepsOnly(before, after caseRead) ([]store.AuditEntry, bool) {
	added, ok := addedSteps(before, after)
	for _, e := range added {
		ok = ok && e.Actor.PersonID == 0
	}
	return added, ok && len(added) > 0
}

// caseInvariants checks what every case of its kind holds, as the API
// shows it, whatever steps led there (DOMAIN.md). It says what is wrong,
// or "".
func (r *handlerRig) caseInvariants(c caseRead) string {
	switch c.head.Kind {
	case cases.KindHazard:
		var v hazard.View
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the hazard does not read: " + err.Error()
		}
		period := time.Duration(v.MaxRectificationPeriod)
		within := func(what string, d, from time.Time) string {
			if !d.After(from) || d.After(from.Add(period)) {
				return fmt.Sprintf("%s %s is not after %s and within %s of it (the rule set's period)", what, d.Format(time.RFC3339), from.Format(time.RFC3339), period)
			}
			return ""
		}
		for _, o := range v.Orders {
			if msg := within("order round "+strconv.Itoa(o.Round)+"'s deadline", o.Deadline, o.IssuedAt); msg != "" {
				return msg
			}
		}
		for _, p := range v.Plans {
			if p.Plan.FundsYuan <= 0 || strings.TrimSpace(p.Plan.ResponsiblePerson) == "" || strings.TrimSpace(p.Plan.EmergencyPlan) == "" {
				return fmt.Sprintf("a plan lacks one of the 五落实: %+v", p.Plan)
			}
			if msg := within("a plan's deadline", p.Plan.Deadline, p.SubmittedAt); msg != "" {
				return msg
			}
		}
		for _, e := range v.Extensions {
			if msg := within("an extension asked", e.Requested, e.RequestedAt); msg != "" {
				return msg
			}
			if e.Decision != nil && e.Decision.Approved {
				if msg := within("an extension granted", e.Granted, e.Decision.At); msg != "" {
					return msg
				}
				if e.Granted.After(e.Requested) {
					return fmt.Sprintf("an extension granted to %s, beyond the %s asked", e.Granted, e.Requested)
				}
			}
		}
	case cases.KindRescue:
		var v rescue.View
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the rescue inspection does not read: " + err.Error()
		}
		if v.ClosedAt != nil && v.Alarm != nil && len(v.Alarm.Waiting) > 0 {
			return fmt.Sprintf("the rescue inspection closed with its alarm unacknowledged by %v", v.Alarm.Waiting)
		}
		if d := v.Decision; d != nil && d.Open && (!d.Deadline.After(d.At) || strings.TrimSpace(d.Measures) == "") {
			return fmt.Sprintf("a hazard case decided without measures or with a deadline %s not after %s", d.Deadline, d.At)
		}
	case cases.KindInspection:
		var v inspection.View
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the inspection does not read: " + err.Error()
		}
		for _, it := range v.Items {
			if d := it.Decision; d != nil {
				if it.Result != inspection.Failed {
					return fmt.Sprintf("item %s is decided (%s) but was found %q", it.No, d.Decision, it.Result)
				}
				if d.Decision != inspection.Corrected && (!d.Deadline.After(d.At) || strings.TrimSpace(d.Measures) == "") {
					return fmt.Sprintf("item %s is ordered without measures or with a deadline %s not after %s", it.No, d.Deadline, d.At)
				}
			}
		}
		if v.ClosedAt != nil && len(v.Signatures) != 3 {
			return fmt.Sprintf("the inspection closed with %d signatures", len(v.Signatures))
		}
	case cases.KindTalk:
		var v struct {
			Notice struct {
				ScheduledAt time.Time `json:"scheduled_at"`
			} `json:"notice"`
			HeldAt    *time.Time `json:"held_at"`
			ReportDue time.Time  `json:"report_due"`
		}
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the talk does not read: " + err.Error()
		}
		if !v.Notice.ScheduledAt.After(c.head.OpenedAt) {
			return fmt.Sprintf("the talk is scheduled at %s, not after it was convened (%s)", v.Notice.ScheduledAt, c.head.OpenedAt)
		}
		if v.HeldAt != nil && !v.ReportDue.After(*v.HeldAt) {
			return fmt.Sprintf("the written report is due %s, not after the talk (%s)", v.ReportDue, *v.HeldAt)
		}
	case cases.KindPenalty:
		var v struct {
			Case struct {
				Proposed penalty.Penalty `json:"proposed"`
			} `json:"case"`
			Notice *struct {
				Penalty penalty.Penalty `json:"penalty"`
			} `json:"notice"`
			Decision *struct {
				Penalty penalty.Penalty `json:"penalty"`
			} `json:"decision"`
		}
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the penalty does not read: " + err.Error()
		}
		limit := rules.Builtin().InForce(c.head.OpenedAt).AuthorityLimits[r.levels[c.head.ActingOrg.ID]]
		ps := map[string]penalty.Penalty{"proposed": v.Case.Proposed}
		if v.Notice != nil {
			ps["notified"] = v.Notice.Penalty
		}
		if v.Decision != nil {
			ps["decided"] = v.Decision.Penalty
		}
		for what, p := range ps {
			if p.AmountYuan < 0 || p.AmountYuan > limit.MaxFineYuan || !slices.Contains(limit.Kinds, string(p.Kind)) {
				return fmt.Sprintf("the penalty %s, %+v, is beyond %s's authority %+v", what, p, c.head.ActingOrg.Name, limit)
			}
		}
		if v.Notice != nil && v.Decision != nil && v.Decision.Penalty.Kind == v.Notice.Penalty.Kind &&
			v.Decision.Penalty.AmountYuan > v.Notice.Penalty.AmountYuan {
			return fmt.Sprintf("the decision %+v is heavier than the notice %+v", v.Decision.Penalty, v.Notice.Penalty)
		}
	case cases.KindAccident:
		var v struct {
			Casualties accident.Casualties `json:"casualties"`
			Report     struct {
				OccurredAt     time.Time `json:"occurred_at"`
				UnitReportedAt time.Time `json:"unit_reported_at"`
			} `json:"report"`
		}
		if err := json.Unmarshal(c.view, &v); err != nil {
			return "the accident does not read: " + err.Error()
		}
		if v.Report.OccurredAt.After(v.Report.UnitReportedAt) || v.Report.UnitReportedAt.After(c.head.OpenedAt) {
			return fmt.Sprintf("the accident occurred %s, was reported by the unit %s and registered %s: not in that order",
				v.Report.OccurredAt, v.Report.UnitReportedAt, c.head.OpenedAt)
		}
		if want := accidentGrade(v.Casualties); c.head.Grade != want {
			return fmt.Sprintf("an accident with %+v is graded %q, want %q", v.Casualties, c.head.Grade, want)
		}
	}
	return ""
}

// accidentGrade is the grade by the highest of the three measures
// (生产安全事故报告和调查处理条例 Art.3; "以上" includes the number).
func accidentGrade(c accident.Casualties) string {
	switch {
	case c.Deaths >= 30 || c.SeriousInjured >= 100 || c.DirectLossYuan >= 100_000_000:
		return rules.AccidentGradeExtraordinary
	case c.Deaths >= 10 || c.SeriousInjured >= 50 || c.DirectLossYuan >= 50_000_000:
		return rules.AccidentGradeMajor
	case c.Deaths >= 3 || c.SeriousInjured >= 10 || c.DirectLossYuan >= 10_000_000:
		return rules.AccidentGradeLarge
	}
	return rules.AccidentGradeGeneral
}

// failer is what a request or a preparation reports a failure to: the
// test, or a preparation running in the background (backgroundFailure).
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// backgroundFailure stops a preparation running on its own goroutine,
// where a test's Fatalf may not be called: it panics with the message,
// which the goroutine recovers and hands to the next input that needs
// the case.
type backgroundFailure struct{}

func (backgroundFailure) Helper() {}

func (backgroundFailure) Fatalf(format string, args ...any) {
	panic(preparationFailed(fmt.Sprintf(format, args...)))
}

type preparationFailed string

// stock holds the prepared cases of one state, or the reason preparing
// one failed; a case used up is replaced in the background, so that the
// inputs that follow need not wait for it. The fuzzer tries several
// mutations of one input in a row, and many of them are accepted: with
// one case in stock, each of those waited for the next to be prepared.
type stock struct {
	ready  chan *pooled // stockDepth cases, but for the one in use
	failed chan string
}

const stockDepth = 3

// take is a case in the named state, prepared now if there is none yet;
// it goes back to s.ready as it was, or usedUp has another prepared.
func (r *handlerRig) take(t failer, state string) *pooled {
	t.Helper()
	s := r.stocks[state]
	if s == nil {
		s = &stock{ready: make(chan *pooled, stockDepth), failed: make(chan string, 1)}
		r.stocks[state] = s
		for range stockDepth {
			go r.refill(state, s)
		}
	}
	select {
	case pc := <-s.ready:
		return pc
	case why := <-s.failed:
		t.Fatalf("preparing a %s case: %s", state, why)
	case <-time.After(2 * time.Minute):
		t.Fatalf("preparing a %s case took over 2 minutes", state)
	}
	return nil
}

// usedUp has a case in the state prepared again, in the background.
func (r *handlerRig) usedUp(state string) { go r.refill(state, r.stocks[state]) }

// refill prepares a case in the state, and waits until it stands still: a
// step may be followed by one the case takes on its own (a penalty
// decided counts the enterprise's penalties: repeat_offender). It gives
// up once the test is over.
func (r *handlerRig) refill(state string, s *stock) {
	defer func() {
		why := recover()
		if why == nil {
			return
		}
		if f, ok := why.(preparationFailed); ok {
			why = string(f)
		}
		select {
		case s.failed <- fmt.Sprint(why):
		case <-r.done:
		}
	}()
	t := backgroundFailure{}
	no := preparations[state](r, t)
	pc := &pooled{caseNo: no, seen: r.get(t, r.viewer, no)}
	for deadline, still := time.Now().Add(10*time.Second), 0; still < 2; {
		time.Sleep(150 * time.Millisecond)
		again := r.get(t, r.viewer, no)
		if bytes.Equal(again, pc.seen) {
			still++
			continue
		}
		still = 0
		if time.Now().After(deadline) || r.over() {
			t.Fatalf("the prepared case %s does not stand still", no)
		}
		pc.seen = again
	}
	_, raw := r.send(t, r.viewer, "GET", "/api/v1/cases/"+no+"/documents", nil)
	var docs struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	_ = json.Unmarshal(raw, &docs)
	for _, d := range docs.Documents {
		pc.docs = append(pc.docs, d.ID)
	}
	select {
	case s.ready <- pc:
	case <-r.done:
	}
}

// over reports whether the test is over: preparations stop.
func (r *handlerRig) over() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// fuzzClient gives up on an answer long after the server's own update
// timeout (30s) would have answered 503.
var fuzzClient = &http.Client{Timeout: 2 * time.Minute}

// send sends a request as a, and returns the status and the answer.
func (r *handlerRig) send(t failer, a *account, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.duty.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := fuzzClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

// get is GET /api/v1/cases/{caseNo} as a, which must see it.
func (r *handlerRig) get(t failer, a *account, caseNo string) []byte {
	t.Helper()
	status, raw := r.send(t, a, "GET", "/api/v1/cases/"+caseNo, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", caseNo, a.login, status, raw)
	}
	return raw
}

// step sends a step that must be accepted, and returns the case it
// answered with.
func (r *handlerRig) step(t failer, login string, want int, path string, body string) string {
	t.Helper()
	status, raw := r.send(t, r.users[login], "POST", path, r.fill([]byte(body), 0, time.Now()))
	var out struct {
		Case struct {
			CaseNo string `json:"case_no"`
		} `json:"case"`
	}
	if err := json.Unmarshal(raw, &out); status != want || err != nil {
		t.Fatalf("preparing: POST %s as %s: %d %s (want %d)", path, login, status, raw, want)
	}
	return out.Case.CaseNo
}

// preparations make a case in each named state, the way users do.
var preparations = map[string]func(r *handlerRig, t failer) string{
	"hazard/reported": func(r *handlerRig, t failer) string { return r.hazard(t, "major") },
	"hazard/ordered": func(r *handlerRig, t failer) string {
		return r.order(t, r.hazard(t, "major"))
	},
	"hazard/ordered-general": func(r *handlerRig, t failer) string {
		return r.order(t, r.hazard(t, "general"))
	},
	"hazard/plan-submitted": func(r *handlerRig, t failer) string {
		return r.plan(t, r.order(t, r.hazard(t, "major")))
	},
	"hazard/rectifying": func(r *handlerRig, t failer) string {
		return r.approve(t, r.plan(t, r.order(t, r.hazard(t, "major"))))
	},
	"hazard/extension-requested": func(r *handlerRig, t failer) string {
		no := r.approve(t, r.plan(t, r.order(t, r.hazard(t, "major"))))
		r.step(t, "qian.zong", 200, "/api/v1/hazards/"+no+"/extension-request", `{"reason":"钢管供应延误","new_deadline":"`+day(30)+`"}`)
		return no
	},
	"hazard/completion-reported": func(r *handlerRig, t failer) string {
		no := r.order(t, r.hazard(t, "general"))
		r.step(t, "qian.zong", 200, "/api/v1/hazards/"+no+"/completion", `{"summary":"已补设","evidence":[{"name":"a.jpg"}]}`)
		return no
	},
	"talk/scheduled": func(r *handlerRig, t failer) string {
		return r.step(t, "zhao.jiancha", 201, "/api/v1/cases/"+r.hazard(t, "general")+"/warning-talks",
			`{"persons":[{"name":"钱宏达","role":"企业负责人"},{"name":"孙建军","role":"项目经理"}],"scheduled_at":"`+
				time.Now().Add(48*time.Hour).Format(time.RFC3339)+`","place":"区住建局会议室","subject":"隐患逾期未整改"}`)
	},
	"talk/due": func(r *handlerRig, t failer) string { return r.talkDue(t) },
	"talk/held": func(r *handlerRig, t failer) string {
		no := r.talkDue(t)
		r.step(t, "zhao.jiancha", 200, "/api/v1/talks/"+no+"/record",
			`{"attendance":[{"name":"钱宏达","attended":true},{"name":"孙建军","attended":false}],"minutes":"承认整改不及时","commitments":"三日内完成"}`)
		return no
	},
	"penalty/opened":            func(r *handlerRig, t failer) string { return r.penalty(t, 0) },
	"penalty/notified":          func(r *handlerRig, t failer) string { return r.penalty(t, 1) },
	"penalty/hearing-requested": func(r *handlerRig, t failer) string { return r.penalty(t, 2) },
	"penalty/waived":            func(r *handlerRig, t failer) string { return r.penalty(t, 3) },
	"penalty/decided":           func(r *handlerRig, t failer) string { return r.penalty(t, 4) },
	"penalty/served":            func(r *handlerRig, t failer) string { return r.penalty(t, 5) },
	"escalation/submitted":      func(r *handlerRig, t failer) string { return r.escalation(t) },
	"escalation/acknowledged": func(r *handlerRig, t failer) string {
		no := r.escalation(t)
		r.step(t, "zheng.juzhang", 200, "/api/v1/escalations/"+no+"/acknowledge", `{}`)
		return no
	},
	"accident/reported":      func(r *handlerRig, t failer) string { return r.accident(t, 0) },
	"accident/investigating": func(r *handlerRig, t failer) string { return r.accident(t, 1) },
	"accident/submitted":     func(r *handlerRig, t failer) string { return r.accident(t, 2) },
	"accident/approved":      func(r *handlerRig, t failer) string { return r.accident(t, 3) },
	"inspection/inspecting":  func(r *handlerRig, t failer) string { return r.inspection(t, 0) },
	"inspection/failed":      func(r *handlerRig, t failer) string { return r.inspection(t, 1) },
	"inspection/decided":     func(r *handlerRig, t failer) string { return r.inspection(t, 2) },
	"inspection/signing":     func(r *handlerRig, t failer) string { return r.inspection(t, 3) },
	"rescue/reported":        func(r *handlerRig, t failer) string { return r.rescue(t, false) },
	"rescue/following":       func(r *handlerRig, t failer) string { return r.rescue(t, true) },
	"report/received":        func(r *handlerRig, t failer) string { return r.report(t, false) },
	"report/verifying":       func(r *handlerRig, t failer) string { return r.report(t, true) },
	"campaign/bureau-part":   func(r *handlerRig, t failer) string { return r.campaignPart(t, "zheng.juzhang", "140502-jsj") },
	"campaign/district-part": func(r *handlerRig, t failer) string { return r.campaignPart(t, "gao.shizhang", "140502-zf") },
	"plan/in_force":          func(r *handlerRig, t failer) string { return r.yearPlan(t) },
}

var planNumber = regexp.MustCompile(`JH-[0-9]{6}-[0-9]{4}-[0-9]{6}`)

// yearPlan is 区住建局's plan for next year: made once, then found again
// (a department has one plan a year; draws do not change it).
func (r *handlerRig) yearPlan(t failer) string {
	t.Helper()
	body := fmt.Sprintf(`{"year":%d}`, time.Now().In(rules.China).Year()+1)
	status, raw := r.send(t, r.users["zhao.jiancha"], "POST", "/api/v1/plans", []byte(body))
	no := planNumber.Find(raw)
	if (status != http.StatusCreated && status != http.StatusConflict) || no == nil {
		t.Fatalf("preparing a plan: %d %s", status, raw)
	}
	return string(no)
}

func (r *handlerRig) hazard(t failer, grade string) string {
	return r.step(t, "zhao.jiancha", 201, "/api/v1/hazards",
		`{"grade":"`+grade+`","enterprise_id":$ORG(ent-hongda),"location":"凤台街工地3号楼","description":"脚手架连墙件缺失"}`)
}

func (r *handlerRig) order(t failer, no string) string {
	return r.step(t, "zhao.jiancha", 200, "/api/v1/hazards/"+no+"/order", `{"measures":"补设连墙件","deadline":"`+day(20)+`"}`)
}

func (r *handlerRig) plan(t failer, no string) string {
	return r.step(t, "qian.zong", 200, "/api/v1/hazards/"+no+"/plan",
		`{"responsible_person":"钱宏达","measures":"补设","funds_yuan":150000,"deadline":"`+day(15)+`","emergency_plan":"撤离"}`)
}

func (r *handlerRig) approve(t failer, no string) string {
	return r.step(t, "zhao.jiancha", 200, "/api/v1/hazards/"+no+"/plan-review", `{"approve":true}`)
}

// talkDue is a talk whose time has come: it is scheduled three seconds
// ahead, and then waited for. The time is taken after its hazard is
// open, and leaves room for a slow request on a busy machine: a talk
// scheduled in the past is refused.
func (r *handlerRig) talkDue(t failer) string {
	hazard := r.hazard(t, "general")
	at := time.Now().Add(3 * time.Second)
	no := r.step(t, "zhao.jiancha", 201, "/api/v1/cases/"+hazard+"/warning-talks",
		`{"persons":[{"name":"钱宏达","role":"企业负责人"},{"name":"孙建军","role":"项目经理"}],"scheduled_at":"`+
			at.Format(time.RFC3339Nano)+`","place":"区住建局会议室","subject":"隐患逾期未整改"}`)
	time.Sleep(time.Until(at) + 100*time.Millisecond)
	return no
}

// penalty is a penalty case about a major hazard, taken the first steps
// of: notified, then a hearing asked for (2), or rights waived (3),
// decided (4) and served (5).
func (r *handlerRig) penalty(t failer, steps int) string {
	no := r.step(t, "zhao.jiancha", 201, "/api/v1/cases/"+r.hazard(t, "major")+"/penalties",
		`{"party":{"kind":"unit","name":"晋城市宏达建筑工程有限公司"},"proposed":{"kind":"fine","amount_yuan":50000},`+
			`"facts":"逾期未整改重大隐患","grounds":"安全生产法第一百零二条","co_officer_login":"sun.jiancha"}`)
	p := "/api/v1/penalties/" + no + "/"
	for i, s := range []struct{ login, path, body string }{
		{"zhao.jiancha", "notify", `{"note":"依法告知"}`},
		{"qian.zong", "hearing-request", `{"reason":"对罚款数额有异议"}`},
		{"qian.zong", "waiver", `{"statement":"放弃陈述申辩和听证"}`},
		{"wang.juzhang", "decision", `{"penalty":{"kind":"fine","amount_yuan":40000},"reasons":"逾期未整改"}`},
		{"zhao.jiancha", "service", `{"method":"direct","received_by":"钱宏达"}`},
	}[:steps] {
		if i == 1 && steps > 2 {
			continue // a hearing asked for, or rights waived: not both
		}
		r.step(t, s.login, 200, p+s.path, s.body)
	}
	return no
}

func (r *handlerRig) escalation(t failer) string {
	return r.step(t, "wang.juzhang", 201, "/api/v1/cases/"+r.hazard(t, "major")+"/escalations",
		`{"to_org_id":$ORG(1405-jsj),"reason":"authority_limit","summary":"拟罚款50万元，超出区级权限","amount_yuan":500000}`)
}

// accident is a 一般 accident at 宏达建筑, investigated by the district,
// taken the first steps of: the team formed, the report submitted, the
// report approved.
func (r *handlerRig) accident(t failer, steps int) string {
	now := time.Now()
	no := r.step(t, "zhao.jiancha", 201, "/api/v1/accidents", `{"enterprise_id":$ORG(ent-hongda),"occurred_at":"`+
		now.Add(-40*time.Minute).Format(time.RFC3339)+`","place":"凤台街工地3号楼","deaths":1,"serious_injured":0,`+
		`"direct_loss_yuan":800000,"description":"高处坠落","unit_reported_at":"`+now.Add(-15*time.Minute).Format(time.RFC3339)+
		`","unit_reporter":"钱宏达"}`)
	p := "/api/v1/accidents/" + no + "/"
	for _, s := range []struct{ login, path, body string }{
		{"wang.juzhang", "team", `{"leader":"王海涛","members":[{"name":"王海涛","org":"区住建局","role":"组长"},{"name":"赵明","org":"区住建局","role":"成员"}]}`},
		{"zhao.jiancha", "investigation-report", `{"cause":"未系安全带","nature":"一般生产安全责任事故","recommendations":"加强教育",` +
			`"signatures":["王海涛","赵明"],"responsible_persons":[{"name":"孙建军","post":"项目经理","org":"宏达建筑","category":"enterprise","responsibility":"未组织教育"}]}`},
		{"liu.quzhang", "approval", `{"decision":"同意事故调查报告","document_no":"城政函〔2026〕1号"}`}, // 批复: the district's government
	}[:steps] {
		r.step(t, s.login, 200, p+s.path, s.body)
	}
	return no
}

// inspection is an inspection of 宏达建筑 by the district's two
// inspectors, taken the first steps of: every item of the construction
// checklist checked (the first failed), the failed one corrected on the
// spot, the record signed by the first officer.
func (r *handlerRig) inspection(t failer, steps int) string {
	no := r.step(t, "zhao.jiancha", 201, "/api/v1/inspections",
		`{"enterprise_id":$ORG(ent-hongda),"second_officer_login":"sun.jiancha","place":"凤台街工地3号楼"}`)
	p := "/api/v1/inspections/" + no + "/"
	if steps >= 1 {
		r.step(t, "zhao.jiancha", 200, p+"items", `{"no":"1","result":"failed","note":"两名电焊工无证作业"}`)
		for i := 2; i <= 10; i++ {
			r.step(t, "sun.jiancha", 200, p+"items", `{"no":"`+strconv.Itoa(i)+`","result":"passed"}`)
		}
	}
	if steps >= 2 {
		r.step(t, "zhao.jiancha", 200, p+"decisions", `{"no":"1","decision":"corrected","note":"当场更换持证人员"}`)
	}
	if steps >= 3 {
		r.step(t, "zhao.jiancha", 200, p+"signatures", `{"signer":"officer"}`)
	}
	return no
}

// rescue is the rescue team's inspection of 宏达建筑 with its alarm,
// reported to 区住建局; following: the department opened the hazard case.
func (r *handlerRig) rescue(t failer, following bool) string {
	no := r.step(t, "zhou.jiuhu", 201, "/api/v1/rescue-inspections",
		`{"enterprise_id":$ORG(ent-hongda),"place":"3号楼","findings":"塔吊基础沉降","major":true,"advice":"停止塔吊作业，撤出人员"}`)
	if following {
		r.step(t, "zhao.jiancha", 200, "/api/v1/rescue-inspections/"+no+"/decision",
			`{"open":true,"reasons":"属重大事故隐患","measures":"加固基础","deadline":"`+day(20)+`"}`)
	}
	return no
}

// reportFrom counts the loopback addresses reports are filed from.
var reportFrom atomic.Int32

// report is a report from the public about 宏达建筑, handled by the
// 区住建局; verifying: an inspection is linked. It is filed from a
// loopback address of its own (filing is limited per address) and found
// by the nonce in its place.
func (r *handlerRig) report(t failer, verifying bool) string {
	t.Helper()
	n := reportFrom.Add(1)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(n>>8), byte(n))}}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: dialer.DialContext}}
	nonce := fmt.Sprintf("fuzz%06d", n)
	body := `{"enterprise":"晋城市宏达建筑工程有限公司","place":"凤台街工地 ` + nonce + `","what":"临边无防护"}`
	resp, err := client.Post(r.duty.base+"/api/v1/public/reports", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("preparing a report: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("preparing a report: %d %s", resp.StatusCode, raw)
	}
	_, raw = r.send(t, r.viewer, "GET", "/api/v1/cases?kind=report&q="+nonce, nil)
	var list struct {
		Cases []struct {
			CaseNo string `json:"case_no"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Cases) != 1 {
		t.Fatalf("preparing a report: the report %s is not found once: %s", nonce, raw)
	}
	no := list.Cases[0].CaseNo
	if verifying {
		r.step(t, "zhao.jiancha", 200, "/api/v1/reports/"+no+"/inspection", `{"inspection_no":"`+r.inspection(t, 0)+`"}`)
	}
	return no
}

// campaignPart is the part asked of the level of org code level in a
// campaign starter starts over their area, once the part has started.
func (r *handlerRig) campaignPart(t failer, starter, level string) string {
	no := r.step(t, starter, 201, "/api/v1/campaigns", `{"title":"建筑施工安全专项整治","sectors":["construction"],`+
		`"starts":"`+day(0)+`","ends":"`+day(60)+`","plan_due":"`+day(7)+`","report_dues":["`+day(30)+`","`+day(55)+`"]}`)
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		_, raw := r.send(t, r.users[starter], "GET", "/api/v1/cases/"+no, nil)
		var out struct {
			Case struct {
				Levels []struct {
					Org struct {
						ID int64 `json:"id"`
					} `json:"org"`
					CaseNo string `json:"case_no"`
				} `json:"levels"`
			} `json:"case"`
		}
		_ = json.Unmarshal(raw, &out)
		for _, l := range out.Case.Levels {
			if l.Org.ID == r.orgs[level] && l.CaseNo != "" {
				return l.CaseNo
			}
		}
	}
	t.Fatalf("preparing: the part of %s in %s did not start", level, no)
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
