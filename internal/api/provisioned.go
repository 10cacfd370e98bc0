package api

import (
	"net/http"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
)

type provisionedShape struct {
	FunctionArn                              string `json:"FunctionArn,omitempty"`
	RequestedProvisionedConcurrentExecutions int    `json:"RequestedProvisionedConcurrentExecutions"`
	AvailableProvisionedConcurrentExecutions int    `json:"AvailableProvisionedConcurrentExecutions"`
	AllocatedProvisionedConcurrentExecutions int    `json:"AllocatedProvisionedConcurrentExecutions"`
	Status                                   string `json:"Status"`
	LastModified                             string `json:"LastModified"`
}

// provisionedShape reports a config with what the invoke service has
// started for it: READY once every requested environment is initialised.
func (h *Handler) provisionedShape(p catalog.Provisioned) provisionedShape {
	allocated := 0
	if fn, _, ok := h.catalog.Resolve(p.Function, p.Qualifier); ok {
		allocated = min(p.Requested, h.invoker.ProvisionedReady(p.Function, fn.Version))
	}
	status := "IN_PROGRESS"
	if allocated >= p.Requested {
		status = "READY"
	}
	return provisionedShape{
		FunctionArn:                              catalog.ARN(h.cfg.Region, h.cfg.AccountID, p.Function, p.Qualifier),
		RequestedProvisionedConcurrentExecutions: p.Requested,
		AvailableProvisionedConcurrentExecutions: allocated,
		AllocatedProvisionedConcurrentExecutions: allocated,
		Status:                                   status,
		LastModified:                             p.Modified.Format(lambdaTime),
	}
}

func (h *Handler) putProvisioned(w http.ResponseWriter, r *http.Request) {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		ProvisionedConcurrentExecutions *int `json:"ProvisionedConcurrentExecutions"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.ProvisionedConcurrentExecutions == nil {
		h.fail(w, r, awserr.InvalidParameter("1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null"))
		return
	}
	maxTotal := h.cfg.AccountConcurrency - minUnreserved - h.reservedExcept(fn.Name)
	if fn.ReservedConcurrency != nil {
		maxTotal = *fn.ReservedConcurrency
	}
	p, err := h.catalog.PutProvisioned(r.Context(), catalog.Provisioned{Function: fn.Name, Qualifier: q, Requested: *in.ProvisionedConcurrentExecutions}, maxTotal)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.provisionedShape(p)
	out.FunctionArn = ""
	h.writeJSON(w, http.StatusAccepted, out)
}

func (h *Handler) getProvisioned(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("List") == "ALL" {
		h.listProvisioned(w, r)
		return
	}
	fn, q, err := h.functionFrom(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, p := range h.catalog.ProvisionedConfigs(fn.Name) {
		if p.Qualifier == q {
			out := h.provisionedShape(p)
			out.FunctionArn = ""
			h.writeJSON(w, http.StatusOK, out)
			return
		}
	}
	h.fail(w, r, catalog.ErrNoProvisioned(fn.Name, q))
}

func (h *Handler) listProvisioned(w http.ResponseWriter, r *http.Request) {
	fn, err := h.latestFrom(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	marker := r.URL.Query().Get("Marker")
	writeList(h, w, r, "ProvisionedConcurrencyConfigs", h.catalog.ProvisionedConfigs(fn.Name),
		func(p catalog.Provisioned) bool { return p.Qualifier < marker },
		func(p catalog.Provisioned) string { return p.Qualifier },
		h.provisionedShape)
}

func (h *Handler) deleteProvisioned(w http.ResponseWriter, r *http.Request) {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.catalog.DeleteProvisioned(r.Context(), fn.Name, q); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
