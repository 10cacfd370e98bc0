package api

import (
	"regexp"
	"strings"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
)

// parseName accepts every form Lambda does for FunctionName: name,
// name:qualifier, arn:aws:lambda:region:account:function:name[:qualifier]
// and account:function:name[:qualifier]. It returns the plain name and the
// qualifier ("" when none).
func parseName(raw string) (name, qualifier string, err error) {
	s := raw
	if rest, ok := strings.CutPrefix(s, "arn:"); ok {
		// partition:lambda:region:account:function:name[:q]
		parts := strings.SplitN(rest, ":", 6)
		if len(parts) < 6 || parts[1] != "lambda" || parts[4] != "function" {
			return "", "", invalidName(raw)
		}
		s = parts[5]
	} else if parts := strings.SplitN(s, ":", 3); len(parts) == 3 && parts[1] == "function" {
		s = parts[2]
	}
	name, qualifier, _ = strings.Cut(s, ":")
	if !catalog.ValidName(name) || strings.Contains(qualifier, ":") {
		return "", "", invalidName(raw)
	}
	return name, qualifier, nil
}

func invalidName(raw string) error {
	return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", raw)
}

// qualifierOf merges a qualifier from the name with the Qualifier query
// parameter; both set and different is an error, as in Lambda.
func qualifierOf(fromName, fromQuery string) (string, error) {
	q := fromName
	switch {
	case fromQuery == "":
	case fromName == "" || fromName == fromQuery:
		q = fromQuery
	default:
		return "", awserr.InvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if q != "" && !qualifierRE.MatchString(q) {
		return "", awserr.InvalidParameter("1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)", q)
	}
	return q, nil
}

var qualifierRE = regexp.MustCompile(`^[a-zA-Z0-9$_-]{1,128}$`)
