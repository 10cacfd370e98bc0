package api

import (
	"net/http"

	"github.com/lamina-dev/lamina/internal/catalog"
)

// route is an HTTP route as lamina's route API shows it.
type route struct {
	RouteKey     string `json:"RouteKey"`
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier,omitempty"`
	FunctionArn  string `json:"FunctionArn"`
	CreatedDate  string `json:"CreatedDate"`
}

func (h *Handler) routeShape(r catalog.Route) route {
	return route{
		RouteKey: r.Key, FunctionName: r.Function, Qualifier: r.Qualifier,
		FunctionArn: catalog.ARN(h.cfg.Region, h.cfg.AccountID, r.Function, r.Qualifier),
		CreatedDate: r.Created.Format(lambdaTime),
	}
}

func (h *Handler) listRoutes(w http.ResponseWriter, r *http.Request) error {
	routes, _ := h.catalog.Routes()
	out := struct {
		Routes []route `json:"Routes"`
	}{Routes: []route{}}
	for _, rt := range routes {
		out.Routes = append(out.Routes, h.routeShape(rt))
	}
	h.writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) putRoute(w http.ResponseWriter, r *http.Request) error {
	var in route
	if err := decode(w, r, &in); err != nil {
		return err
	}
	name, q, err := parseName(in.FunctionName)
	if err == nil {
		q, err = qualifierOf(q, in.Qualifier)
	}
	if err != nil {
		return err
	}
	saved, err := h.catalog.PutRoute(r.Context(), catalog.Route{Key: in.RouteKey, Function: name, Qualifier: q})
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.routeShape(saved))
	return nil
}

func (h *Handler) deleteRoute(w http.ResponseWriter, r *http.Request) error {
	if err := h.catalog.DeleteRoute(r.Context(), r.URL.Query().Get("RouteKey")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
