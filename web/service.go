package web

import (
	"time"

	"github.com/duty-project/duty/rules"
)

// servedAt reads the moment a document was served as the service form
// gives it (<input type=datetime-local>: "2026-12-05T09:30", Beijing
// time) into the API's RFC 3339, so the record keeps the time of day as
// well as the date; anything else goes to the API as it came.
func servedAt(v string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, rules.China); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return v
}
