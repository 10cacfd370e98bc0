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

func (h *Handler) putProvisioned(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	var in struct {
		ProvisionedConcurrentExecutions *int `json:"ProvisionedConcurrentExecutions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ProvisionedConcurrentExecutions == nil {
		return awserr.InvalidParameter("1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	}
	maxTotal := h.cfg.AccountConcurrency - minUnreserved - h.reservedExcept(fn.Name)
	if fn.ReservedConcurrency != nil {
		maxTotal = *fn.ReservedConcurrency
	}
	p, err := h.catalog.PutProvisioned(r.Context(), catalog.Provisioned{Function: fn.Name, Qualifier: q, Requested: *in.ProvisionedConcurrentExecutions}, maxTotal)
	if err != nil {
		return err
	}
	out := h.provisionedShape(p)
	out.FunctionArn = ""
	h.writeJSON(w, http.StatusAccepted, out)
	return nil
}

func (h *Handler) getProvisioned(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("List") == "ALL" {
		return h.listProvisioned(w, r)
	}
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	for _, p := range h.catalog.ProvisionedConfigs(fn.Name) {
		if p.Qualifier == q {
			out := h.provisionedShape(p)
			out.FunctionArn = ""
			h.writeJSON(w, http.StatusOK, out)
			return nil
		}
	}
	return catalog.ErrNoProvisioned(fn.Name, q)
}

func (h *Handler) listProvisioned(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	marker := r.URL.Query().Get("Marker")
	return writeList(h, w, r, "ProvisionedConcurrencyConfigs", h.catalog.ProvisionedConfigs(fn.Name),
		func(p catalog.Provisioned) bool { return p.Qualifier < marker },
		func(p catalog.Provisioned) string { return p.Qualifier },
		h.provisionedShape)
}

func (h *Handler) deleteProvisioned(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	if err := h.catalog.DeleteProvisioned(r.Context(), fn.Name, q); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
