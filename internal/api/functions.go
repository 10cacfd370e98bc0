package api

import (
	"net/http"
	"strings"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
)

// Lambda's account limits that lamina reports.
const (
	totalCodeSize  = 80 << 30
	minUnreserved  = 100
	defaultMaxList = 50
)

func checkCode(c codeInput) error {
	switch {
	case c.ImageUri != "":
		return awserr.InvalidParameter("lamina does not run container images yet: deploy a .zip package (Code.ZipFile)")
	case c.S3Bucket != "" || c.S3Key != "":
		return awserr.InvalidParameter("lamina does not fetch code from S3 yet: send the package as Code.ZipFile")
	case len(c.ZipFile) == 0:
		return awserr.InvalidParameter("Please provide a source for function code: Code.ZipFile is required")
	}
	return nil
}

func (h *Handler) createFunction(w http.ResponseWriter, r *http.Request) error {
	var in createFunctionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.PackageType != "" && in.PackageType != "Zip" {
		return awserr.InvalidParameter("lamina does not run container images yet: PackageType must be Zip")
	}
	if err := checkCode(in.Code); err != nil {
		return err
	}
	fn := catalog.Function{
		Name:          in.FunctionName,
		Runtime:       in.Runtime,
		Role:          in.Role,
		Handler:       in.Handler,
		Description:   in.Description,
		MemorySize:    in.MemorySize,
		Timeout:       in.Timeout,
		Architectures: in.Architectures,
		Tags:          in.Tags,
	}
	if fn.Role == "" {
		fn.Role = "arn:aws:iam::" + h.cfg.AccountID + ":role/lamina"
	}
	if in.Environment != nil {
		fn.Environment = in.Environment.Variables
	}
	if in.EphemeralStorage != nil {
		fn.EphemeralStorage = in.EphemeralStorage.Size
	}
	var err error
	if fn.Logging, err = in.LoggingConfig.apply(catalog.Logging{}); err != nil {
		return err
	}
	created, err := h.catalog.Create(r.Context(), fn, in.Code.ZipFile)
	if err != nil {
		return err
	}
	if in.Publish {
		if created, err = h.catalog.Publish(r.Context(), created.Name, "", "", ""); err != nil {
			return err
		}
	}
	h.writeJSON(w, http.StatusCreated, h.configuration(created, ""))
	return nil
}

func (h *Handler) getFunction(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	out := map[string]any{
		"Configuration": h.configuration(fn, q),
		"Code": map[string]string{
			"RepositoryType": "S3",
			"Location":       "http://" + r.Host + "/lamina/v1/functions/" + fn.Name + "/code?Qualifier=" + fn.VersionName(),
		},
	}
	if len(fn.Tags) > 0 {
		out["Tags"] = fn.Tags
	}
	if fn.ReservedConcurrency != nil {
		out["Concurrency"] = concurrency{ReservedConcurrentExecutions: fn.ReservedConcurrency}
	}
	h.writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getConfiguration(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.configuration(fn, q))
	return nil
}

func (h *Handler) listFunctions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var all []catalog.Function
	for _, fn := range h.catalog.List() {
		if q.Get("FunctionVersion") != "ALL" {
			all = append(all, fn)
			continue
		}
		versions, _ := h.catalog.Versions(fn.Name)
		all = append(all, versions...)
	}
	mName, mVersion, _ := strings.Cut(q.Get("Marker"), ":")
	return writeList(h, w, r, "Functions", all,
		func(fn catalog.Function) bool {
			return fn.Name < mName || fn.Name == mName && versionOrder(fn.Version) < versionOrder(mVersion)
		},
		func(fn catalog.Function) string {
			if fn.Version == "" {
				return fn.Name
			}
			return fn.Name + ":" + fn.Version
		},
		func(fn catalog.Function) functionConfiguration { return h.configuration(fn, "") })
}

func (h *Handler) deleteFunction(w http.ResponseWriter, r *http.Request) error {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	switch {
	case isAliasName(q):
		return awserr.InvalidParameter("Deletion of aliases is not supported by DeleteFunction: use DeleteAlias.")
	case q != "":
		err = h.catalog.DeleteVersion(r.Context(), fn.Name, q)
	default:
		err = h.catalog.Delete(r.Context(), fn.Name)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) updateCode(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in updateCodeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := checkCode(in.codeInput); err != nil {
		return err
	}
	updated, err := h.catalog.UpdateCode(r.Context(), fn.Name, in.ZipFile, in.RevisionId, in.DryRun)
	if err == nil && in.Publish && !in.DryRun {
		updated, err = h.catalog.Publish(r.Context(), fn.Name, "", "", "")
	}
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.configuration(updated, ""))
	return nil
}

func (h *Handler) updateConfiguration(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in updateConfigInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	logging, err := in.LoggingConfig.apply(fn.Logging)
	if err != nil {
		return err
	}
	updated, err := h.catalog.UpdateConfig(r.Context(), fn.Name, in.RevisionId, func(f *catalog.Function) {
		setIf(&f.Role, in.Role)
		setIf(&f.Handler, in.Handler)
		setIf(&f.Description, in.Description)
		setIf(&f.Runtime, in.Runtime)
		setIf(&f.Timeout, in.Timeout)
		setIf(&f.MemorySize, in.MemorySize)
		if in.Environment != nil {
			f.Environment = in.Environment.Variables // replaces the map, as in Lambda
		}
		if in.EphemeralStorage != nil {
			f.EphemeralStorage = in.EphemeralStorage.Size
		}
		if in.LoggingConfig != nil {
			f.Logging = logging
		}
	})
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, h.configuration(updated, ""))
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (h *Handler) putConcurrency(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	var in concurrency
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ReservedConcurrentExecutions == nil || *in.ReservedConcurrentExecutions < 0 {
		return awserr.InvalidParameter("1 validation error detected: Value at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0")
	}
	n := *in.ReservedConcurrentExecutions
	if h.reservedExcept(fn.Name)+n > h.cfg.AccountConcurrency-minUnreserved {
		return awserr.InvalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", minUnreserved)
	}
	if _, err := h.catalog.UpdateConfig(r.Context(), fn.Name, "", func(f *catalog.Function) { f.ReservedConcurrency = &n }); err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, concurrency{ReservedConcurrentExecutions: &n})
	return nil
}

func (h *Handler) getConcurrency(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	h.writeJSON(w, http.StatusOK, concurrency{ReservedConcurrentExecutions: fn.ReservedConcurrency})
	return nil
}

func (h *Handler) deleteConcurrency(w http.ResponseWriter, r *http.Request) error {
	fn, err := h.latestFrom(r)
	if err != nil {
		return err
	}
	if _, err := h.catalog.UpdateConfig(r.Context(), fn.Name, "", func(f *catalog.Function) { f.ReservedConcurrency = nil }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reservedExcept sums the reserved concurrency of every function but name.
func (h *Handler) reservedExcept(name string) int {
	sum := 0
	for _, fn := range h.catalog.List() {
		if fn.Name != name && fn.ReservedConcurrency != nil {
			sum += *fn.ReservedConcurrency
		}
	}
	return sum
}

func (h *Handler) accountSettings(w http.ResponseWriter, r *http.Request) error {
	var codeSize int64
	fns := h.catalog.List()
	for _, fn := range fns {
		codeSize += fn.CodeSize
	}
	h.writeJSON(w, http.StatusOK, map[string]any{
		"AccountLimit": map[string]any{
			"TotalCodeSize":                  int64(totalCodeSize),
			"CodeSizeUnzipped":               catalog.MaxUnzippedBytes,
			"CodeSizeZipped":                 catalog.MaxZipBytes,
			"ConcurrentExecutions":           h.cfg.AccountConcurrency,
			"UnreservedConcurrentExecutions": h.cfg.AccountConcurrency - h.reservedExcept(""),
		},
		"AccountUsage": map[string]any{
			"TotalCodeSize": codeSize,
			"FunctionCount": len(fns),
		},
	})
	return nil
}

func (h *Handler) functionCode(w http.ResponseWriter, r *http.Request) error {
	fn, _, err := h.functionFrom(r)
	if err != nil {
		return err
	}
	data, err := h.catalog.Code(r.Context(), fn.CodeKey)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Write(data)
	return nil
}
