package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/store"
)

// DistrictEnterprises is how many enterprises District writes by default:
// about as many as a district's departments supervise, so that lists,
// boards and exports are tried at a believable size.
const DistrictEnterprises = 2000

// districtSeed fixes the generator: every installation gets the same
// enterprises, people and codes.
const districtSeed = 20261207

// districtSector is one kind of enterprise the generator makes: its GB/T
// 4754 industry code, the words of its name, its share of the whole, and
// how its risk classes fall (A, B, C, D in 100ths).
type districtSector struct {
	industry string
	words    []string
	share    int
	risk     [4]int
}

var districtSectors = []districtSector{
	{"4710", []string{"建筑工程", "建设工程", "房屋建筑"}, 22, [4]int{3, 17, 45, 35}},
	{"4813", []string{"市政工程", "路桥工程", "土木工程"}, 8, [4]int{3, 17, 45, 35}},
	{"5011", []string{"装饰工程", "装修工程"}, 6, [4]int{0, 5, 35, 60}},
	{"0610", []string{"煤业", "煤矿", "矿业"}, 8, [4]int{25, 45, 25, 5}},
	{"2614", []string{"化工", "化学", "精细化工"}, 6, [4]int{20, 40, 30, 10}},
	{"5265", []string{"加油站", "石化销售"}, 4, [4]int{5, 30, 45, 20}},
	{"2672", []string{"烟花爆竹"}, 2, [4]int{30, 50, 20, 0}},
	{"3130", []string{"铸造", "钢铁", "冶金"}, 6, [4]int{15, 35, 35, 15}},
	{"3311", []string{"机械制造", "金属制品", "机电设备"}, 14, [4]int{2, 13, 45, 40}},
	{"1431", []string{"食品", "面业", "食品加工"}, 8, [4]int{0, 5, 40, 55}},
	{"5411", []string{"物流", "运输"}, 8, [4]int{2, 18, 45, 35}},
	{"5212", []string{"商贸", "商场", "超市"}, 8, [4]int{0, 10, 40, 50}},
}

var (
	districtPlaces = [][]string{
		// 城区 (140502)
		{"凤台", "东街", "西街", "南街", "北街", "钟家庄", "北石店", "西上庄", "矿区", "开发区"},
		// 泽州县 (140525)
		{"巴公", "南村", "高都", "金村", "大东沟", "川底", "柳树口", "周村", "下村", "北义城"},
	}
	districtBrands = []string{"宏泰", "金鼎", "瑞丰", "华鑫", "恒达", "永兴", "泰和", "盛世", "鼎盛", "兴隆", "同创", "聚源",
		"正阳", "天诚", "丰泽", "晋丰", "兰花", "太行", "沁园", "长城", "顺达", "广汇", "嘉禾", "康宁", "德胜", "安泰",
		"信达", "合力", "中兴", "华通"}
	districtSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
		"郭", "何", "高", "林", "郑", "梁", "宋", "韩", "冯", "程", "常", "牛", "秦", "段", "郝"}
	districtGiven = []string{"建国", "志强", "海涛", "立新", "文斌", "国华", "振华", "建平", "永福", "平安", "晓燕", "丽娟",
		"俊峰", "红梅", "伟", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂兰", "建军", "保国"}
	districtRegions = []string{"140502", "140525"}
)

// District writes n generated enterprises of 城区 and 泽州县 — across the
// sectors the demo departments supervise and more, each with a valid
// 统一社会信用代码, an industry code, an address and a risk class — and
// each its 主要负责人 (a person with a valid identity number, who does not
// log in), through the store like any registration, so the organisation
// record holds them. The same n gives the same enterprises; running it
// again changes nothing. It reports how many enterprises were new.
func District(ctx context.Context, st *store.Store, n int, now time.Time) (created int, err error) {
	ch := store.OrgChange{By: cases.Actor{Name: "演示数据 (duty dev)", Role: "system", Side: cases.SideRegulator}, At: now,
		Document: "演示企业台账 demo register"}
	since := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// The policies follow the new enterprises once, not 2,000 times.
	ctx = store.BatchOrgChanges(ctx)
	err = pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		for _, e := range districtEnterprises(n) {
			ent, changed, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: e.name, RegionCode: e.region,
				CreditCode: e.creditCode, Address: e.address, IndustryCode: e.industry, RiskClass: e.risk}, ch)
			if err != nil {
				return fmt.Errorf("enterprise %s: %w", e.name, err)
			}
			if changed {
				created++
			}
			head, _, err := st.SavePerson(ctx, tx, store.PersonInput{IDNumber: e.headID, Name: e.head, Phone: e.headPhone, RegionCode: e.region}, ch)
			if err != nil {
				return fmt.Errorf("主要负责人 of %s: %w", e.name, err)
			}
			if _, _, err := st.Appoint(ctx, tx, store.Appointment{PersonID: head.ID, OrgID: ent.ID, Role: org.RoleEnterpriseHead,
				Title: "主要负责人", StartsOn: since}, ch); err != nil {
				return fmt.Errorf("主要负责人 of %s: %w", e.name, err)
			}
		}
		return st.FlushOrgChanges(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("seed: district: %w", err)
	}
	return created, nil
}

// districtEnterprise is one generated enterprise and its 主要负责人.
type districtEnterprise struct {
	name, region, creditCode, address, industry, risk string
	head, headID, headPhone                           string
}

// districtEnterprises generates n enterprises, the same every time.
func districtEnterprises(n int) []districtEnterprise {
	rng := rand.New(rand.NewPCG(districtSeed, 0))
	total := 0
	for _, s := range districtSectors {
		total += s.share
	}
	names, ids := map[string]bool{}, map[string]bool{}
	out := make([]districtEnterprise, 0, n)
	for len(out) < n {
		// 城区 has about two thirds of the enterprises.
		ri := 0
		if rng.IntN(3) == 0 {
			ri = 1
		}
		region := districtRegions[ri]
		pick := rng.IntN(total)
		var s districtSector
		for _, s = range districtSectors {
			if pick < s.share {
				break
			}
			pick -= s.share
		}
		place := districtPlaces[ri][rng.IntN(len(districtPlaces[ri]))]
		brand := districtBrands[rng.IntN(len(districtBrands))]
		word := s.words[rng.IntN(len(s.words))]
		county := map[string]string{"140502": "晋城市城区", "140525": "泽州县"}[region]
		name := county + place + brand + word + "有限公司"
		if names[name] {
			continue
		}
		names[name] = true
		risk, r := "D", rng.IntN(100)
		for i, p := range s.risk {
			if r < p {
				risk = string(rune('A' + i))
				break
			}
			r -= p
		}
		seq := len(out) + 1
		var id string
		for id == "" || ids[id] {
			id = idNumber(region, time.Date(1960+rng.IntN(35), time.Month(rng.IntN(12)+1), rng.IntN(28)+1, 0, 0, 0, 0, time.UTC), seq)
		}
		ids[id] = true
		out = append(out, districtEnterprise{
			name: name, region: region, industry: s.industry, risk: risk,
			creditCode: creditCode(region, seq),
			address:    fmt.Sprintf("%s%s%d号", county, place, rng.IntN(300)+1),
			head:       districtSurnames[rng.IntN(len(districtSurnames))] + districtGiven[rng.IntN(len(districtGiven))],
			headID:     id,
			headPhone:  "139" + fmt.Sprintf("%08d", 35_000_000+seq),
		})
	}
	return out
}

// creditCode makes a valid 统一社会信用代码 of an enterprise (91) of
// region, whose organisation code (positions 9–17) is the sequence
// number: unique within the demo, and computed, not real.
func creditCode(region string, seq int) string {
	first17 := "91" + region + fmt.Sprintf("MA0D%05d", seq)
	check, ok := uscc.CheckChar(first17)
	if !ok {
		panic("seed: a generated credit code has a character outside the alphabet: " + first17)
	}
	return first17 + string(check)
}

// idNumber makes a valid 居民身份证号 (GB 11643) of someone born on birth
// and registered in region; the sequence code keeps them unique.
func idNumber(region string, birth time.Time, seq int) string {
	first17 := region + birth.Format("20060102") + fmt.Sprintf("%03d", seq%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		d, _ := strconv.Atoi(first17[i : i+1])
		sum += d * w
	}
	return first17 + string("10X98765432"[sum%11])
}
