package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
)

type publishVersionInput struct {
	CodeSha256  string `json:"CodeSha256"`
	Description string `json:"Description"`
	RevisionId  string `json:"RevisionId"`
}

func (h *Handler) publishVersion(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in publishVersionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := h.catalog.Publish(r.Context(), fn.Name, in.CodeSha256, in.Description, in.RevisionId)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusCreated, h.configuration(v, ""))
	return nil
}

func (h *Handler) listVersions(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	versions, _ := h.catalog.Versions(fn.Name)
	marker := versionOrder(r.URL.Query().Get("Marker"))
	return writeList(h, w, r, "Versions", versions,
		func(f catalog.Function) bool { return versionOrder(f.Version) < marker },
		func(f catalog.Function) string { return f.VersionName() },
		func(f catalog.Function) functionConfiguration { return h.configuration(f, f.VersionName()) })
}

// versionOrder sorts $LATEST before version 1.
func versionOrder(v string) int {
	if v == "" || v == catalog.Latest {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

type routingConfig struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

type aliasConfiguration struct {
	AliasArn        string         `json:"AliasArn"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig,omitempty"`
	RevisionId      string         `json:"RevisionId"`
}

type aliasInput struct {
	Name            string         `json:"Name"`
	FunctionVersion *string        `json:"FunctionVersion"`
	Description     *string        `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig"`
	RevisionId      string         `json:"RevisionId"`
}

func (h *Handler) aliasShape(a catalog.Alias) aliasConfiguration {
	out := aliasConfiguration{
		AliasArn:        catalog.ARN(h.cfg.Region, h.cfg.AccountID, a.Function, a.Name),
		Name:            a.Name,
		FunctionVersion: a.FunctionVersion,
		Description:     a.Description,
		RevisionId:      a.RevisionID,
	}
	if len(a.Weights) > 0 {
		out.RoutingConfig = &routingConfig{AdditionalVersionWeights: a.Weights}
	}
	return out
}

func (in *aliasInput) apply(a *catalog.Alias) {
	setIf(&a.FunctionVersion, in.FunctionVersion)
	setIf(&a.Description, in.Description)
	if in.RoutingConfig != nil {
		a.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
}

func (h *Handler) createAlias(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in aliasInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.FunctionVersion == nil || in.Name == "" {
		return awserr.InvalidParameter("Name and FunctionVersion are required to create an alias.")
	}
	a := catalog.Alias{Name: in.Name, Function: fn.Name}
	in.apply(&a)
	created, err := h.catalog.CreateAlias(r.Context(), a)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusCreated, h.aliasShape(created))
	return nil
}

func (h *Handler) getAlias(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	a, ok := h.catalog.Alias(fn.Name, r.PathValue("alias"))
	if !ok {
		return awserr.NotFound("Alias not found: %s", catalog.ARN(h.cfg.Region, h.cfg.AccountID, fn.Name, r.PathValue("alias")))
	}
	h.writeJSON(w, http.StatusOK, h.aliasShape(a))
	return nil
}

func (h *Handler) updateAlias(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in aliasInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := h.catalog.UpdateAlias(r.Context(), fn.Name, r.PathValue("alias"), in.RevisionId, in.apply)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.aliasShape(a))
	return nil
}

func (h *Handler) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	if err := h.catalog.DeleteAlias(r.Context(), fn.Name, r.PathValue("alias")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listAliases(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var aliases []catalog.Alias
	for _, a := range h.catalog.Aliases(fn.Name) {
		if v := q.Get("FunctionVersion"); v == "" || a.FunctionVersion == v {
			aliases = append(aliases, a)
		}
	}
	marker := q.Get("Marker")
	return writeList(h, w, r, "Aliases", aliases,
		func(a catalog.Alias) bool { return a.Name < marker },
		func(a catalog.Alias) string { return a.Name },
		h.aliasShape)
}

// maxItemsOf reads the MaxItems query parameter of a List call.
func maxItemsOf(r *http.Request) (int, error) {
	s := r.URL.Query().Get("MaxItems")
	if s == "" {
		return defaultMaxList, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", s)
	}
	return n, nil
}

// writeList answers a List call: one page of all (see page) under field,
// each item shaped for the API, and NextMarker when more follow. The
// caller reads Marker to build before.
func writeList[T, S any](h *Handler, w http.ResponseWriter, r *http.Request, field string, all []T,
	before func(T) bool, key func(T) string, shape func(T) S) error {
	maxItems, err := maxItemsOf(r)
	if err != nil {
		return err
	}
	items, next := page(all, r.URL.Query().Get("Marker") != "", maxItems, before, key)
	shaped := make([]S, 0, len(items))
	for _, it := range items {
		shaped = append(shaped, shape(it))
	}
	out := map[string]any{field: shaped}
	if next != nil {
		out["NextMarker"] = *next
	}
	h.writeJSON(w, http.StatusOK, out)
	return nil
}

// page cuts sorted items to one page: from the first item that does not
// sort before the marker (when there is one), at most maxItems long, with
// the key of the item after it as the next marker.
func page[T any](items []T, hasMarker bool, maxItems int, before func(T) bool, key func(T) string) ([]T, *string) {
	start := 0
	if hasMarker {
		for start < len(items) && before(items[start]) {
			start++
		}
	}
	end := min(start+maxItems, len(items))
	if end < len(items) {
		next := key(items[end])
		return items[start:end], &next
	}
	return items[start:end], nil
}

// isAliasName reports whether a qualifier names an alias.
func isAliasName(q string) bool {
	return q != "" && q != catalog.Latest && !catalog.IsVersionNumber(q) && !strings.ContainsAny(q, ":/")
}
