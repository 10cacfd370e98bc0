// Package work is the JSON work both sides of the benchmark do: the
// function deployed to lamina and the raw Go HTTP server it is compared
// with.
package work

// Request is the benchmark's event.
type Request struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// Response is what both sides answer.
type Response struct {
	Greeting string  `json:"greeting"`
	Sum      float64 `json:"sum"`
	Count    int     `json:"count"`
}

// Do computes the response.
func Do(req Request) Response {
	sum := 0.0
	for _, v := range req.Values {
		sum += v
	}
	return Response{Greeting: "hello " + req.Name, Sum: sum, Count: len(req.Values)}
}

// Payload is the event the benchmark sends.
const Payload = `{"name":"bench","values":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}`
