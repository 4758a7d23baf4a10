package queue

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Every check-in makes the clinic send a text to the phone it gives, so the phone
// decides what the clinic pays for. SMS pumping (toll fraud) checks in with numbers
// whose texts earn someone a share: premium-rate, toll-free, shared-cost, or mobiles
// in countries with high termination rates. A check-in is therefore refused unless
// its phone is a number type that receives texts and lies in a country the clinic
// texts (docs/decisions.md, "SMS destinations").

// Countries is the set of countries whose phones may receive the clinic's texts
// (SMARTWAIT_SMS_COUNTRIES). An entry is a region (ISO 3166 code as libphonenumber
// knows it: "US", "GB") or a calling code ("+44", also written "44"), which stands for
// every region sharing it ("+1" is the US, Canada and the Caribbean). The zero value
// means "the region of Config.PhoneRegion". Countries is immutable once parsed.
type Countries struct {
	regions map[string]bool
	codes   map[int]bool
	names   []string // as the operator will read them: "US (+1)", "+44"
}

// ParseCountries parses a comma-separated list of regions and calling codes, as an
// operator types it: "US,CA", "us, gb", "+1,+44", "1,44". It fails, naming the bad
// entry, on an unknown region or calling code and on an empty list.
func ParseCountries(s string) (Countries, error) {
	c := Countries{regions: map[string]bool{}, codes: map[int]bool{}}
	for _, raw := range strings.Split(s, ",") {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if digits, isCode := strings.CutPrefix(e, "+"); isCode || isDigits(e) {
			code, err := strconv.Atoi(digits)
			if err != nil || !isDigits(digits) || !phonenumbers.GetSupportedCallingCodes()[code] {
				return Countries{}, fmt.Errorf("%q is not a country calling code", e)
			}
			if !c.codes[code] {
				c.codes[code] = true
				c.names = append(c.names, "+"+strconv.Itoa(code))
			}
			continue
		}
		region := strings.ToUpper(e)
		if !phonenumbers.GetSupportedRegions()[region] {
			return Countries{}, fmt.Errorf("%q is not a region code (two letters such as US or GB) or calling code (such as +1)", e)
		}
		if !c.regions[region] {
			c.regions[region] = true
			c.names = append(c.names, fmt.Sprintf("%s (+%d)", region, phonenumbers.GetCountryCodeForRegion(region)))
		}
	}
	if len(c.names) == 0 {
		return Countries{}, fmt.Errorf("no country given")
	}
	return c, nil
}

// MustParseCountries is ParseCountries for fixed lists; it panics on an error.
func MustParseCountries(s string) Countries {
	c, err := ParseCountries(s)
	if err != nil {
		panic(err)
	}
	return c
}

// IsZero reports whether c is the zero value (the phone region's country).
func (c Countries) IsZero() bool { return len(c.names) == 0 }

// String lists the countries as the refusal message shows them: "US (+1), +44".
func (c Countries) String() string { return strings.Join(c.names, ", ") }

// allows reports whether n lies in one of the countries.
func (c Countries) allows(n *phonenumbers.PhoneNumber) bool {
	return c.codes[int(n.GetCountryCode())] || c.regions[phonenumbers.GetRegionCodeForNumber(n)]
}

// smsCountries is the configured list, or the phone region's country.
func (cfg Config) smsCountries() Countries {
	if !cfg.SMSCountries.IsZero() {
		return cfg.SMSCountries
	}
	if c, err := ParseCountries(cfg.PhoneRegion); err == nil {
		return c
	}
	return MustParseCountries("US") // the contract's default region
}

// textableTypes are the number types that can receive an SMS. FIXED_LINE_OR_MOBILE
// is what libphonenumber says of every North American number, whose ranges do not
// tell mobiles from landlines. Everything else is refused: landlines, premium-rate,
// toll-free, shared-cost, VoIP, pagers, personal numbers, UAN and unknown types.
var textableTypes = []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE}

// twilioTestNumber reports Twilio's magic test numbers +15005550000–+15005550009,
// which the contract names as valid. libphonenumber types the 500 area code as
// PERSONAL_NUMBER, so they are the one exception to textableTypes; Twilio's test
// credentials accept nothing else, and its live API delivers nothing to them.
func twilioTestNumber(e164 string) bool {
	return len(e164) == 12 && strings.HasPrefix(e164, "+1500555000")
}

// textable refuses a phone (as parsed and validated at check-in; e164 its
// E.164 form) that the clinic must not text: one outside countries, with a
// VALIDATION_ERROR that lists the accepted countries, or one whose type cannot
// receive texts (premium-rate, toll-free, landline…).
func textable(p *parsedPhone, e164 string, countries Countries) error {
	n, typ := p.PhoneNumber, p.typ
	if !countries.allows(n) {
		return validationError("phone", "phone must be a number in a country this clinic sends texts to: %s", countries)
	}
	if twilioTestNumber(e164) {
		return nil
	}
	if !slices.Contains(textableTypes, typ) {
		return validationError("phone", "phone must be a mobile number that can receive texts (not a landline, toll-free, premium-rate or shared-cost number)")
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
