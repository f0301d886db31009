package demo

import (
	"math/rand/v2"
	"strings"
)

// The words a social-insurance office writes, per business type: what an
// application asks for, why it is granted or refused, and the law cited.
var (
	companies = []string{"华夏机械制造有限公司", "长江物流股份有限公司", "东方纺织厂", "新科电子科技有限公司",
		"南山建筑工程公司", "顺达快递服务有限公司", "金桥餐饮管理有限公司", "瑞丰食品加工厂", "博远信息技术有限公司", "恒信物业服务有限公司"}
	hospitals = []string{"市第一人民医院", "市中心医院", "市中医院", "市妇幼保健院", "医科大学附属第二医院", "市第三人民医院"}
	streets   = []string{"人民路", "解放大道", "建设街", "和平里", "中山路", "光明巷", "长江路", "文化路"}
	diagnoses = []string{"左桡骨远端骨折", "右手食指末节离断伤", "腰椎间盘突出症", "急性阑尾炎", "2型糖尿病", "社区获得性肺炎", "右踝关节扭伤"}
)

// kind says what an applicant's business is about, in a few words.
type kind struct {
	summary []string // fmt patterns; %s is a company or hospital
	approve []string
	deny    []string
	basis   string
}

var kinds = map[string]kind{
	"pension_enrolment": {
		summary: []string{"新入职%s，申请办理城镇职工基本养老保险参保登记", "灵活就业人员申请参加基本养老保险（原单位%s）"},
		approve: []string{"经核查，申请人符合城镇职工基本养老保险参保条件，参保登记信息与身份证件一致，同意参保登记。"},
		deny:    []string{"经核查，申请人已在外省参加城镇职工基本养老保险且未中断，不得重复参保。"},
		basis:   "《中华人民共和国社会保险法》第五十七条、第五十八条",
	},
	"pension_transfer": {
		summary: []string{"由外省调入%s，申请转入基本养老保险关系", "申请将基本养老保险关系转移至本市（现工作单位%s）"},
		approve: []string{"转出地缴费记录完整，联系函核对无误，同意办理养老保险关系转移接续。"},
		deny:    []string{"转出地未出具参保缴费凭证，缴费年限无法核实，暂不予办理转移接续。"},
		basis:   "《城镇企业职工基本养老保险关系转移接续暂行办法》第四条",
	},
	"pension_claim": {
		summary: []string{"已达法定退休年龄，申请按月领取基本养老金（原单位%s）", "申请办理退休并领取基本养老金，累计缴费满十五年"},
		approve: []string{"经审核，申请人累计缴费满十五年，已达法定退休年龄，符合按月领取基本养老金条件，核定基本养老金待遇。"},
		deny:    []string{"经审核，申请人累计缴费不足十五年，不符合按月领取基本养老金条件，可申请延长缴费至满十五年。"},
		basis:   "《中华人民共和国社会保险法》第十六条",
	},
	"medical_enrolment": {
		summary: []string{"新入职%s，申请办理职工基本医疗保险参保登记", "申请参加职工基本医疗保险并办理社会保障卡"},
		approve: []string{"参保人员信息核验通过，同意办理职工基本医疗保险参保登记。"},
		deny:    []string{"申请人已在本市参加城乡居民基本医疗保险且本年度待遇享受期未满，请先办理居民医保停保。"},
		basis:   "《中华人民共和国社会保险法》第二十三条",
	},
	"medical_reimbursement": {
		summary: []string{"在%s住院治疗，申请报销异地就医未直接结算的医疗费用", "急诊就医于%s，申请手工报销门诊医疗费用"},
		approve: []string{"医疗费用票据真实有效，所列项目符合基本医疗保险药品目录和诊疗项目范围，同意按规定比例报销。"},
		deny:    []string{"所报销费用属于基本医疗保险目录外自费项目，且已由第三人依法承担，不予报销。"},
		basis:   "《中华人民共和国社会保险法》第二十八条、第三十条",
	},
	"unemployment_benefit": {
		summary: []string{"与%s劳动合同期满终止，申请领取失业保险金", "因%s经济性裁员失业，已办理失业登记，申请失业保险金"},
		approve: []string{"申请人非因本人意愿中断就业，已办理失业登记并有求职要求，失业前缴费满一年，符合领取失业保险金条件。"},
		deny:    []string{"经核查，申请人系本人提出解除劳动合同，不属于非因本人意愿中断就业，不符合领取条件。"},
		basis:   "《失业保险条例》第十四条",
	},
	"injury_determination": {
		summary: []string{"在%s车间作业时受伤，申请工伤认定", "受%s指派外出工作期间发生交通事故受伤，申请工伤认定"},
		approve: []string{"经调查核实，事故发生在工作时间和工作场所内，因工作原因受到伤害，符合认定为工伤的情形。"},
		deny:    []string{"经调查核实，受伤发生在非工作时间、非工作场所，且与工作无关，不予认定为工伤。"},
		basis:   "《工伤保险条例》第十四条、第十七条",
	},
	"injury_benefit": {
		summary: []string{"已认定工伤并经劳动能力鉴定，申请核定工伤保险待遇（用人单位%s）", "申请核定一次性伤残补助金及工伤医疗费用（%s职工）"},
		approve: []string{"依据工伤认定决定书和劳动能力鉴定结论，核定一次性伤残补助金，工伤医疗费用核定无误。"},
		deny:    []string{"所报工伤医疗费用发生于非协议医疗机构且非急诊抢救，不予支付。"},
		basis:   "《工伤保险条例》第三十条、第三十五条至第三十七条",
	},
	"maternity_allowance": {
		summary: []string{"于%s分娩，申请领取生育津贴", "生育后申请生育津贴（用人单位%s）"},
		approve: []string{"生育医学证明有效，按用人单位上年度职工月平均工资核定生育津贴，产假天数核定为九十八天。"},
		deny:    []string{"申请人生育时用人单位未为其连续缴纳生育保险满规定期限，不符合生育津贴支付条件。"},
		basis:   "《中华人民共和国社会保险法》第五十四条、第五十六条",
	},
}

// Opinions of the review stages that only pass the case on.
var (
	initialOpinions = []string{"材料齐全，信息核对无误，拟同意，提交复审。", "经初审，申请事项符合规定，提交复审。", "已核对参保缴费记录，符合条件，报复审。"}
	secondOpinions  = []string{"同意初审意见，报终审。", "复核无误，同意提交终审。", "经复审，材料真实完整，同意。"}
	returnOpinions  = []string{"缴费记录与单位申报工资基数不一致，请初审重新核实。", "请补充核实劳动关系起止时间后重新审核。", "计算依据有误，退回重新核定。"}
	notAccepted     = []string{"申请事项不属于本机构受理范围，请向参保地社会保险经办机构申请。", "申请人已于本年度办理过同一事项，不得重复申请。"}
	corrections     = []string{"所交材料不全，请一次性补交下列材料。", "身份证复印件不清晰，请补交清晰复印件及下列材料。"}
	extensions      = []string{"材料需向原参保地核实，延长受理期限。", "申请人所在单位需补充说明劳动关系情况，延长受理期限。"}
	holdReasons     = []string{"该案件涉及待决行政诉讼（区人民法院受理），诉讼终结前不得销毁。"}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// summary is what the applicant wants, in their words.
func summary(r *rand.Rand, bt string) string {
	k := kinds[bt]
	who := pick(r, companies)
	if bt == "medical_reimbursement" || bt == "maternity_allowance" {
		who = pick(r, hospitals)
	}
	return strings.ReplaceAll(pick(r, k.summary), "%s", who)
}
