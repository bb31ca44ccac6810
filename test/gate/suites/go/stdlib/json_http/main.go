package main

import (
	"encoding/json"
	"net/http"
	"os"
)

type Money struct{ Cents int }

func (m Money) MarshalJSON() ([]byte, error) { return nil, nil }

func (m *Money) UnmarshalJSON(b []byte) error { return nil }

type Status int

func (s Status) MarshalText() ([]byte, error) { return nil, nil }

// fields are walked: Amount's and State's marshalers are called; note is unexported
type Transfer struct {
	Amount Money
	State  Status
	note   Money
}

type api struct{}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func health(w http.ResponseWriter, r *http.Request) {}

func encode(t Transfer) ([]byte, error) { return json.Marshal(t) }

func decode(b []byte) Money {
	var m Money
	json.NewDecoder(os.Stdin).Decode(&m)
	return m
}

func serve() error {
	mux := http.NewServeMux()
	mux.Handle("/", &api{})
	http.HandleFunc("/health", health)
	return http.ListenAndServe(":8080", mux)
}

func main() {
	encode(Transfer{})
	decode(nil)
	serve()
}
