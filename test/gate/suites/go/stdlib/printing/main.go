package main

import (
	"fmt"
	"log"
	"os"
)

type LedgerError struct{ Code int }

func (e *LedgerError) Error() string { return "ledger" }

type Money struct{ Cents int }

func (m Money) String() string { return "money" }

type Rate float64

func (r Rate) Format(f fmt.State, verb rune) {}

// printed only inside a slice
type Leg struct{ ID string }

func (l Leg) GoString() string { return "leg" }

// has a String method but is never printed
type Label struct{}

func (l Label) String() string { return "label" }

// String with a parameter is not the Stringer's
type Account struct{}

func (a Account) String(indent int) string { return "account" }

func settle(m Money) error {
	err := &LedgerError{Code: 1}
	return fmt.Errorf("settle %v: %w", m, err)
}

func describe(err error) string { return fmt.Sprintf("%v", err) }

func untyped(v any) string { return fmt.Sprint(v) }

func quote(r Rate, legs []Leg, a Account) {
	fmt.Fprintf(os.Stdout, "%v %#v %v", r, legs, a)
}

func audit(m Money) {
	logger := log.New(os.Stderr, "", 0)
	logger.Println(m)
}

func main() {
	settle(Money{})
	describe(nil)
	untyped(1)
	quote(1, nil, Account{})
	audit(Money{})
}
