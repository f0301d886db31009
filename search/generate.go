package search

import (
	"dossier/archive"
	"dossier/archive/identity"
	"dossier/archive/indexing"
	"fmt"
	"math/rand/v2"
	"time"
)

// Realistic test and benchmark data: names, all business types, opinions
// and material texts in the words a social-insurance office uses.
var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志强晓东海波宁春梅雪琳子涵浩然欣怡宇轩梓萱诗雨")
	hospitals  = []string{"北京协和医院", "上海瑞金医院", "华西医院", "中山大学附属第一医院", "湘雅医院", "同济医院", "齐鲁医院", "西京医院"}
	companies  = []string{"华夏机械制造有限公司", "长江物流股份有限公司", "东方纺织厂", "新科电子科技有限公司", "南山建筑工程公司", "顺达快递服务有限公司"}
	opinions   = map[string][]string{
		"pension_enrolment":     {"经核查，申请人符合城镇职工基本养老保险参保条件，同意参保登记。", "参保登记信息与身份证件一致。"},
		"pension_transfer":      {"转出地缴费记录完整，同意办理养老保险关系转移接续。", "核对转移接续联系函无误。"},
		"pension_claim":         {"经审核，申请人累计缴费满十五年，已达法定退休年龄，符合按月领取基本养老金条件。", "核定基本养老金待遇。"},
		"medical_enrolment":     {"同意办理基本医疗保险参保登记。", "参保人员信息核验通过。"},
		"medical_reimbursement": {"医疗费用票据真实有效，符合基本医疗保险药品目录，同意报销。", "部分费用属于自费项目，不予报销。"},
		"unemployment_benefit":  {"申请人非因本人意愿中断就业，已办理失业登记，符合领取失业保险金条件。", "缴费满一年不足五年，领取期限十二个月。"},
		"injury_determination":  {"事故发生在工作时间和工作场所内，因工作原因受到伤害，认定为工伤。", "劳动关系证明材料齐全。"},
		"injury_benefit":        {"依据劳动能力鉴定结论，核定一次性伤残补助金。", "工伤医疗费用核定无误。"},
		"maternity_allowance":   {"生育医学证明有效，按用人单位上年度职工月平均工资核定生育津贴。", "产假天数核定为九十八天。"},
	}
	types = []string{"pension_enrolment", "pension_transfer", "pension_claim", "medical_enrolment", "medical_reimbursement",
		"unemployment_benefit", "injury_determination", "injury_benefit", "maternity_allowance"}
	statuses = []string{archive.StatusSubmitted, archive.StatusInitialReview, archive.StatusSecondReview, archive.StatusFinalReview,
		archive.StatusApproved, archive.StatusDenied, archive.StatusCorrectionRequested, archive.StatusNotAccepted}
)

// Name returns a random Chinese name.
func Name(r *rand.Rand) string {
	n := []rune{surnames[r.IntN(len(surnames))], givenChars[r.IntN(len(givenChars))]}
	if r.IntN(3) > 0 {
		n = append(n, givenChars[r.IntN(len(givenChars))])
	}
	return string(n)
}

// GenerateCases makes n realistic cases with their events and material
// texts, deterministic for a seed.
func GenerateCases(n int, seed uint64) []indexing.IndexedCase {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]indexing.IndexedCase, n)
	base := time.Date(2025, 1, 1, 9, 0, 0, 0, beijing)
	for i := range out {
		bt := types[r.IntN(len(types))]
		created := base.Add(time.Duration(r.IntN(700*24)) * time.Hour)
		id := identity.GenerateIDNumber(r, "", time.Date(1950+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, beijing))
		c := &archive.Case{ID: fmt.Sprintf("case%07d", i), Number: fmt.Sprintf("SB%d-%06d", created.Year(), i+1),
			BusinessType: bt, Status: statuses[r.IntN(len(statuses))], CreatedAt: created, Seq: 3,
			Applicant: archive.Applicant{Name: Name(r), IDNumber: id}, ApplicantUser: fmt.Sprintf("user%d", r.IntN(n/3+1)),
			Summary: "申请" + bt}
		ops := opinions[bt]
		evs := []archive.Event{{Seq: 2, Type: archive.EventReview, Opinion: ops[r.IntN(len(ops))]}}
		texts := map[string]string{}
		var text string
		switch bt {
		case "medical_reimbursement", "injury_benefit":
			text = fmt.Sprintf("%s 门诊收费票据 医疗费用明细 金额 %d.%02d 元", hospitals[r.IntN(len(hospitals))], 100+r.IntN(20000), r.IntN(100))
		case "unemployment_benefit", "injury_determination":
			text = fmt.Sprintf("%s 解除劳动合同证明书 兹证明该职工自%d年起在我单位工作", companies[r.IntN(len(companies))], 2010+r.IntN(12))
		default:
			text = "居民身份证复印件 " + id
		}
		c.Materials = []archive.Material{{ID: "m1", Code: "id_card", Filename: "材料.pdf"}}
		texts["m1"] = text
		out[i] = indexing.IndexedCase{Case: c, Events: evs, Texts: texts}
	}
	return out
}

// SampleQueries draws a mixed query set from generated cases: names,
// identity numbers and prefixes, case numbers, words from opinions and
// materials, phrases, filters.
func SampleQueries(cases []indexing.IndexedCase, n int, seed uint64) []indexing.SearchQuery {
	r := rand.New(rand.NewPCG(seed, 7))
	qs := make([]indexing.SearchQuery, n)
	for i := range qs {
		c := cases[r.IntN(len(cases))].Case
		switch i % 8 {
		case 0:
			qs[i] = indexing.SearchQuery{Q: c.Applicant.Name}
		case 1:
			qs[i] = indexing.SearchQuery{Q: c.Applicant.IDNumber}
		case 2:
			qs[i] = indexing.SearchQuery{Q: c.Applicant.IDNumber[:10]}
		case 3:
			qs[i] = indexing.SearchQuery{Q: c.Number}
		case 4:
			qs[i] = indexing.SearchQuery{Q: hospitals[r.IntN(len(hospitals))]}
		case 5:
			qs[i] = indexing.SearchQuery{Q: `"失业保险金"`, Status: archive.StatusApproved}
		case 6:
			qs[i] = indexing.SearchQuery{Q: "养老 缴费", BusinessType: "pension_claim"}
		case 7:
			qs[i] = indexing.SearchQuery{BusinessType: c.BusinessType, Year: c.CreatedAt.Year()}
		}
	}
	return qs
}
