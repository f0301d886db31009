package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dossier/archive"
	"dossier/render"
)

// person is an applicant as their papers describe them.
type person struct {
	Name     string
	IDNumber string
	Phone    string
	Male     bool
	Address  string
	Employer string
	Hospital string
}

// materials draws the papers an applicant hands in: PDF forms with a
// text layer, and scanned identity cards as PNG or JPEG images.
type materials struct {
	font *render.Font
	ot   *opentype.Font
}

func newMaterials(f *render.Font) (*materials, error) {
	ot, err := opentype.Parse(f.TTF)
	if err != nil {
		return nil, fmt.Errorf("demo: parse font %s: %w", f.Path, err)
	}
	return &materials{font: f, ot: ot}, nil
}

// fields lists what a material of this code says about p.
func fields(r *rand.Rand, code string, bt *archive.BusinessType, p person, at time.Time) [][]string {
	day := at.In(beijing).AddDate(0, 0, -r.IntN(20)).Format("2006年01月02日")
	base := [][]string{{"姓名", p.Name}, {"公民身份号码", p.IDNumber}}
	switch code {
	case "id_card":
		sex := "女"
		if p.Male {
			sex = "男"
		}
		return append(base, []string{"性别", sex}, []string{"民族", "汉"}, []string{"住址", p.Address},
			[]string{"签发机关", "市公安局分局"}, []string{"有效期限", "2018.03.12-2038.03.12"})
	case "enrolment_form":
		return append(base, []string{"用人单位", p.Employer}, []string{"参保险种", bt.Insurance + "保险"},
			[]string{"参保日期", day}, []string{"联系电话", p.Phone}, []string{"户籍地址", p.Address})
	case "contribution_certificate":
		return append(base, []string{"转出地", "省社会保险事业管理局"}, []string{"累计缴费月数", fmt.Sprint(36 + r.IntN(200))},
			[]string{"个人账户累计储存额", fmt.Sprintf("%d.%02d 元", 8000+r.IntN(90000), r.IntN(100))}, []string{"开具日期", day})
	case "pension_claim_form":
		return append(base, []string{"原工作单位", p.Employer}, []string{"累计缴费年限", fmt.Sprintf("%d 年", 15+r.IntN(20))},
			[]string{"申请领取时间", day}, []string{"联系电话", p.Phone})
	case "bank_account":
		return append(base, []string{"开户银行", pick(r, []string{"中国工商银行", "中国建设银行", "中国农业银行", "中国银行"}) + "市分行营业部"},
			[]string{"账号", fmt.Sprintf("6222 %04d %04d %04d %03d", r.IntN(10000), r.IntN(10000), r.IntN(10000), r.IntN(1000))})
	case "medical_invoice":
		return append(base, []string{"医疗机构", p.Hospital}, []string{"票据类别", "医疗住院收费票据"},
			[]string{"金额", fmt.Sprintf("%d.%02d 元", 300+r.IntN(40000), r.IntN(100))}, []string{"开票日期", day})
	case "expense_list":
		return append(base, []string{"医疗机构", p.Hospital}, []string{"西药费", fmt.Sprintf("%d.%02d 元", 100+r.IntN(5000), r.IntN(100))},
			[]string{"检查费", fmt.Sprintf("%d.00 元", 50+r.IntN(3000))}, []string{"床位费", fmt.Sprintf("%d.00 元", 40*(1+r.IntN(20)))})
	case "discharge_summary":
		return append(base, []string{"医疗机构", p.Hospital}, []string{"出院诊断", pick(r, diagnoses)}, []string{"出院日期", day})
	case "termination_certificate":
		return append(base, []string{"用人单位", p.Employer}, []string{"解除或终止原因", pick(r, []string{"劳动合同期满终止", "用人单位经济性裁员", "用人单位依法宣告破产"})},
			[]string{"解除或终止日期", day}, []string{"说明", "兹证明该职工自" + fmt.Sprint(2012+r.IntN(10)) + "年起在我单位工作"})
	case "injury_application_form":
		return append(base, []string{"用人单位", p.Employer}, []string{"事故时间", day},
			[]string{"受伤经过", "在车间操作设备时被机械部件夹伤，当即送医"}, []string{"诊断", pick(r, diagnoses)})
	case "labour_relation_proof":
		return append(base, []string{"用人单位", p.Employer}, []string{"劳动合同期限", "2021年03月01日至2027年02月28日"}, []string{"工作岗位", "操作工"})
	case "diagnosis_certificate":
		return append(base, []string{"医疗机构", p.Hospital}, []string{"诊断", pick(r, diagnoses)}, []string{"就诊日期", day})
	case "injury_decision":
		return append(base, []string{"用人单位", p.Employer}, []string{"认定结论", "属于工伤"}, []string{"决定日期", day})
	case "disability_assessment":
		return append(base, []string{"鉴定结论", fmt.Sprintf("伤残%s级", pick(r, []string{"七", "八", "九", "十"}))},
			[]string{"鉴定机构", "市劳动能力鉴定委员会"}, []string{"鉴定日期", day})
	case "investigation":
		return append(base, []string{"调查时间", day}, []string{"调查地点", p.Employer + "生产车间"},
			[]string{"调查人", "工伤认定科 两名工作人员"}, []string{"调查内容", "向事故目击同事了解受伤经过，查看车间监控记录，与申请材料所述一致"})
	case "birth_medical_proof":
		return append(base, []string{"医疗机构", p.Hospital}, []string{"分娩方式", pick(r, []string{"顺产", "剖宫产"})}, []string{"分娩日期", day})
	}
	return append(base, []string{"材料", code}, []string{"日期", day})
}

// pdf draws the material as a one-page form with a text layer, so the
// search finds its words.
func (m *materials) pdf(r *rand.Rand, code, title string, bt *archive.BusinessType, p person, at time.Time) ([]byte, error) {
	rows := fields(r, code, bt, p, at)
	issuer := p.Employer
	if code == "id_card" {
		issuer = "居民身份证复印件"
	}
	var buf bytes.Buffer
	err := render.RenderTable(&buf, m.font, render.TableMeta{Title: title, Subtitle: "申请事项：" + bt.Name, Agency: issuer, Generated: at},
		[]render.Column{{Title: "项目", Width: 50}, {Title: "内容", Width: 200}},
		func(yield func([]string) bool) error {
			for _, row := range rows {
				if !yield(row) {
					break
				}
			}
			return nil
		})
	return buf.Bytes(), err
}

// idCardScan draws a scanned identity card, as PNG or JPEG.
func (m *materials) idCardScan(p person, asJPEG bool) ([]byte, error) {
	// A face keeps glyph buffers: one per scan, so workers can draw at once.
	face, err := opentype.NewFace(m.ot, &opentype.FaceOptions{Size: 26, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("demo: font face: %w", err)
	}
	defer face.Close()
	img := image.NewRGBA(image.Rect(0, 0, 856, 540))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xf4, 0xf1, 0xe8, 0xff}}, image.Point{}, draw.Src)
	card := image.Rect(24, 24, 832, 516)
	draw.Draw(img, card, &image.Uniform{color.RGBA{0xe3, 0xee, 0xf6, 0xff}}, image.Point{}, draw.Src)
	photo := image.Rect(620, 80, 790, 300)
	draw.Draw(img, photo, &image.Uniform{color.RGBA{0xb8, 0xc4, 0xd0, 0xff}}, image.Point{}, draw.Src)
	sex := "女"
	if p.Male {
		sex = "男"
	}
	birth := p.IDNumber[6:10] + "年" + p.IDNumber[10:12] + "月" + p.IDNumber[12:14] + "日"
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{0x20, 0x20, 0x20, 0xff}), Face: face}
	line := func(x, y int, s string) {
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	line(60, 100, "姓名  "+p.Name)
	line(60, 160, "性别  "+sex+"    民族  汉")
	line(60, 220, "出生  "+birth)
	line(60, 280, "住址  "+p.Address)
	line(60, 440, "公民身份号码  "+p.IDNumber)
	var buf bytes.Buffer
	if asJPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&buf, img)
	}
	return buf.Bytes(), err
}
