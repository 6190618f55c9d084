// Package i18n is duty's one message catalogue: every user-facing text —
// a page's words, an API refusal, a date — is looked up here by a stable
// message ID and rendered in the visitor's language. Chinese (zh-CN) is
// the interface language and the default; English is offered by a switch.
//
// The messages live in messages/zh-CN.json and messages/en.json, embedded
// in the binary and read through github.com/nicksnyder/go-i18n. A message
// is a text/template: its arguments are named ({{.Max}}), so each language
// may place them where its grammar wants. This package imports nothing of
// duty's, so every other package (the root duty package included) may use
// it.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The languages of the interface. They are also the values of the lang
// cookie and the ?lang= parameter, and of <html lang>.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Default is the language of anyone who asked for none we offer.
const Default = Chinese

// Languages are the languages the catalogue is complete in, the default
// first.
var Languages = []string{Chinese, English}

// CookieName is the cookie that keeps the visitor's choice of language.
const CookieName = "lang"

//go:embed messages/*.json
var files embed.FS

var (
	bundle     *goi18n.Bundle
	localizers = map[string]*goi18n.Localizer{}
	// catalogue is every message's source text by language and ID, for
	// the completeness tests and for IDs.
	catalogue = map[string]map[string]string{}
	matcher   = language.NewMatcher([]language.Tag{language.MustParse(Chinese), language.English})
	once      sync.Once
)

// load parses the embedded catalogue. The files are part of the binary, so
// a file that does not parse is a programming error and panics at the
// first lookup, which every test that renders a message reaches.
func load() {
	bundle = goi18n.NewBundle(language.MustParse(Default))
	for _, lang := range Languages {
		path := "messages/" + lang + ".json"
		mf, err := bundle.LoadMessageFileFS(files, path)
		if err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", path, err))
		}
		texts := map[string]string{}
		for _, m := range mf.Messages {
			texts[m.ID] = m.Other
		}
		catalogue[lang] = texts
		localizers[lang] = goi18n.NewLocalizer(bundle, lang)
	}
}

// Lang returns the supported language closest to tag ("en-GB" → en,
// "zh-Hans-CN" → zh-CN, anything else → zh-CN).
func Lang(tag string) string {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return Default
	}
	for _, l := range Languages {
		if strings.EqualFold(tag, l) {
			return l
		}
	}
	t, err := language.Parse(tag)
	if err != nil {
		return Default
	}
	_, i, conf := matcher.Match(t)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// FromRequest is the language of a request: an explicit ?lang= first (a
// link that switches language), then the lang cookie (the visitor's
// choice), then Accept-Language (the browser's), then Chinese.
func FromRequest(r *http.Request) string {
	if v := r.URL.Query().Get("lang"); v != "" {
		return Lang(v)
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return Lang(c.Value)
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		tags, _, err := language.ParseAcceptLanguage(h)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Languages[i]
			}
		}
	}
	return Default
}

// Args are the named arguments of a message. A value may be a time.Time
// (shown as a date and time in the message's language), a Ref (another
// message, shown in the same language), or anything fmt prints.
type Args map[string]any

// Ref is the ID of a message used as an argument of another, e.g. a
// field's name inside "{{.Field}} is required", so the field is named in
// the same language as the sentence around it.
type Ref string

// RefList is a list of messages used as one argument (the steps allowed
// now, the parts a plan lacks), joined as the language lists things:
// 提交治理方案、申请延期 or "submit plan, request extension". An empty
// list is false in a message's {{if}}.
type RefList []Ref

// Msg is a message with arguments of its own, used as an argument of
// another: one thing that blocks a step, naming its case number, inside
// the sentence that refuses the step.
type Msg struct {
	ID   string
	Args Args
}

// MsgList is a list of messages used as one argument. Its items are
// clauses rather than names, so they are joined with semicolons:
// 未开展教育；整改未复查销号 or "no education; not verified".
type MsgList []Msg

// T renders message id in lang with args. An ID missing from the
// catalogue renders as the ID itself: visible, never a crash, and the
// catalogue tests fail on it before it ships.
func T(lang, id string, args Args) string {
	once.Do(load)
	loc, ok := localizers[lang]
	if !ok {
		loc = localizers[Default]
	}
	out, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: present(lang, args)})
	if err != nil || out == "" {
		return id
	}
	return out
}

// present turns args into what a message template prints in lang.
func present(lang string, args Args) map[string]any {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		switch x := v.(type) {
		case time.Time:
			out[k] = When(lang, x)
		case *time.Time:
			if x != nil {
				out[k] = When(lang, *x)
			}
		case Ref:
			out[k] = T(lang, string(x), nil)
		case RefList:
			if len(x) == 0 {
				out[k] = ""
				continue
			}
			sep := "、"
			if lang == English {
				sep = ", "
			}
			parts := make([]string, len(x))
			for i, id := range x {
				parts[i] = T(lang, string(id), nil)
			}
			out[k] = strings.Join(parts, sep)
		case Msg:
			out[k] = T(lang, x.ID, x.Args)
		case MsgList:
			sep := "；"
			if lang == English {
				sep = "; "
			}
			parts := make([]string, len(x))
			for i, m := range x {
				parts[i] = T(lang, m.ID, m.Args)
			}
			out[k] = strings.Join(parts, sep)
		default:
			out[k] = v
		}
	}
	return out
}

// Has reports whether message id is in the catalogue in lang.
func Has(lang, id string) bool {
	once.Do(load)
	_, ok := catalogue[lang][id]
	return ok
}

// Source returns the text of message id in lang as the catalogue holds it
// (the template, before arguments), and whether it is there.
func Source(lang, id string) (string, bool) {
	once.Do(load)
	s, ok := catalogue[lang][id]
	return s, ok
}

// IDs returns every message ID in lang's file, sorted.
func IDs(lang string) []string {
	once.Do(load)
	out := make([]string, 0, len(catalogue[lang]))
	for id := range catalogue[lang] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Files is the embedded catalogue, for tests that read it as written.
func Files() fs.FS { return files }

// Beijing is the time zone every moment is shown in: duty's users read
// time as China does, whatever the server's zone (China keeps no summer
// time, so a fixed offset is exact).
var Beijing = time.FixedZone("CST", 8*60*60)

// DateTime formats t in Beijing time: 2026年12月7日 14:05 in Chinese,
// 7 Dec 2026 14:05 in English.
func DateTime(lang string, t time.Time) string {
	t = t.In(Beijing)
	if lang == English {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("2006年1月2日 15:04")
}

// Date formats t's date in Beijing time: 2026年12月7日, or 7 Dec 2026.
func Date(lang string, t time.Time) string {
	t = t.In(Beijing)
	if lang == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2006年1月2日")
}

// When formats a moment as a deadline is read: a moment at the very end of
// a day (23:59:59, how a date deadline is kept) as the date alone, any
// other as date and time.
func When(lang string, t time.Time) string {
	b := t.In(Beijing)
	if b.Hour() == 23 && b.Minute() == 59 && b.Second() == 59 {
		return Date(lang, t)
	}
	return DateTime(lang, t)
}

// Messager is an error that says itself as a message of the catalogue:
// a parser's (a region code's, a credit code's, an identity number's),
// which names the reason and the position of the bad character, for the
// API to answer and an import to report in the reader's language.
type Messager interface {
	Msg() Msg
}
