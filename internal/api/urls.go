package api

import (
	"net/http"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/gateway"
)

type corsShape struct {
	AllowCredentials *bool    `json:"AllowCredentials,omitempty"`
	AllowHeaders     []string `json:"AllowHeaders,omitempty"`
	AllowMethods     []string `json:"AllowMethods,omitempty"`
	AllowOrigins     []string `json:"AllowOrigins,omitempty"`
	ExposeHeaders    []string `json:"ExposeHeaders,omitempty"`
	MaxAge           *int     `json:"MaxAge,omitempty"`
}

type urlConfigShape struct {
	FunctionUrl      string     `json:"FunctionUrl"`
	FunctionArn      string     `json:"FunctionArn"`
	AuthType         string     `json:"AuthType"`
	Cors             *corsShape `json:"Cors,omitempty"`
	CreationTime     string     `json:"CreationTime"`
	LastModifiedTime string     `json:"LastModifiedTime"`
	InvokeMode       string     `json:"InvokeMode"`
}

type urlConfigInput struct {
	AuthType   *string    `json:"AuthType"`
	Cors       *corsShape `json:"Cors"`
	InvokeMode *string    `json:"InvokeMode"`
}

func (in *urlConfigInput) apply(u *catalog.URLConfig) {
	setIf(&u.AuthType, in.AuthType)
	setIf(&u.InvokeMode, in.InvokeMode)
	if c := in.Cors; c != nil {
		u.Cors = &catalog.Cors{
			AllowHeaders: c.AllowHeaders, AllowMethods: c.AllowMethods, AllowOrigins: c.AllowOrigins, ExposeHeaders: c.ExposeHeaders,
		}
		if c.AllowCredentials != nil {
			u.Cors.AllowCredentials = *c.AllowCredentials
		}
		if c.MaxAge != nil {
			u.Cors.MaxAge = *c.MaxAge
		}
	}
}

func (h *Handler) urlShape(r *http.Request, u catalog.URLConfig) urlConfigShape {
	out := urlConfigShape{
		FunctionUrl:      "http://" + r.Host + gateway.PathPrefix + u.ID + "/",
		FunctionArn:      catalog.ARN(h.cfg.Region, h.cfg.AccountID, u.Function, u.Qualifier),
		AuthType:         u.AuthType,
		CreationTime:     u.Created.Format(lambdaTime),
		LastModifiedTime: u.Modified.Format(lambdaTime),
		InvokeMode:       u.InvokeMode,
	}
	if c := u.Cors; c != nil {
		out.Cors = &corsShape{
			AllowCredentials: &c.AllowCredentials, AllowHeaders: c.AllowHeaders, AllowMethods: c.AllowMethods,
			AllowOrigins: c.AllowOrigins, ExposeHeaders: c.ExposeHeaders, MaxAge: &c.MaxAge,
		}
	}
	return out
}

func (h *Handler) createURL(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	name := fn.Name
	var in urlConfigInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.AuthType == nil {
		return awserr.InvalidParameter("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null")
	}
	u := catalog.URLConfig{Function: name, Qualifier: q}
	in.apply(&u)
	created, err := h.catalog.CreateURL(r.Context(), u)
	if err != nil {
		return err
	}
	out := h.urlShape(r, created)
	out.LastModifiedTime = "" // CreateFunctionUrlConfig has no such field
	h.writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) getURL(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	name := fn.Name
	u, ok := h.catalog.URL(name, q)
	if !ok {
		return awserr.NotFound("The resource you requested does not exist.")
	}
	h.writeJSON(w, http.StatusOK, h.urlShape(r, u))
	return nil
}

func (h *Handler) updateURL(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	name := fn.Name
	var in urlConfigInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := h.catalog.UpdateURL(r.Context(), name, q, in.apply)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.urlShape(r, u))
	return nil
}

func (h *Handler) deleteURL(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	name := fn.Name
	if err := h.catalog.DeleteURL(r.Context(), name, q); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listURLs(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	marker := r.URL.Query().Get("Marker")
	return writeList(h, w, r, "FunctionUrlConfigs", h.catalog.URLs(fn.Name),
		func(u catalog.URLConfig) bool { return u.Qualifier < marker },
		func(u catalog.URLConfig) string { return u.Qualifier },
		func(u catalog.URLConfig) urlConfigShape { return h.urlShape(r, u) })
}
