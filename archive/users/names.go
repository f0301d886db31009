package users

import (
	"context"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"dossier/archive"
)

// Login names must not impersonate one another: "аdmin" with a Cyrillic
// а reads as "admin". A name may not mix Latin, Cyrillic and Greek
// letters, and a new name whose skeleton (what it looks like) equals an
// existing user's is refused.

// confusables maps letters and digits that look like Latin letters to
// them (after NFKC and lower-casing), after Unicode TR39's confusables for
// the scripts staff names are written in.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'з': '3', 'і': 'i', 'ї': 'i', 'ј': 'j', 'к': 'k', 'м': 'm', 'н': 'h',
	'о': 'o', 'п': 'n', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'һ': 'h', 'ь': 'b',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'γ': 'y',
	// Latin look-alikes and digits
	'ı': 'i', 'ɩ': 'i', 'ℓ': 'l', '0': 'o', '1': 'l', '|': 'l', '_': '-', '.': '-',
}

// skeleton is what a login name looks like, for telling confusable names
// apart.
func skeleton(name string) string {
	name = strings.ToLower(norm.NFKC.String(name))
	var b strings.Builder
	for _, r := range name {
		if c, ok := confusables[r]; ok {
			r = c
		}
		if r == 'l' || r == 'i' {
			r = 'l' // rn/m and I/l are look-alikes too; l covers the latter
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "rn", "m")
}

// mixedScripts reports whether name mixes Latin, Cyrillic and Greek
// letters.
func mixedScripts(name string) bool {
	seen := 0
	for i, t := range []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek} {
		if strings.IndexFunc(name, func(r rune) bool { return unicode.Is(t, r) }) >= 0 {
			seen |= 1 << i
		}
	}
	return seen&(seen-1) != 0
}

// checkLookalike refuses a new name that looks like an existing user's.
// Errors: ECONFLICT naming the existing user; EUNAVAILABLE.
func (l userLog) checkLookalike(ctx context.Context, name string) error {
	want := skeleton(name)
	taken := func(other string) error {
		if other != "" && FoldUserName(other) != FoldUserName(name) && skeleton(other) == want {
			return archive.Errorf(archive.ECONFLICT, "user name %s looks like the existing user %s; choose a name that cannot be mistaken for it", name, other)
		}
		return nil
	}
	if l.proj != nil {
		us, err := l.proj.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			if err := taken(u.Name); err != nil {
				return err
			}
		}
		return nil
	}
	return l.store.Walk(ctx, archive.UserNamePrefix, func(oi archive.ObjectInfo) error {
		folded, err := url.PathUnescape(strings.TrimPrefix(oi.Key, archive.UserNamePrefix))
		if err != nil {
			return nil // a claim by hash: too long a name to mistake
		}
		return taken(folded)
	})
}
