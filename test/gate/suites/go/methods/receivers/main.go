package main

type Account struct{ balance int }

func (a *Account) Deposit(x int) { a.add(x) }

func (a *Account) add(x int) { a.balance += x }

func (a Account) Balance() int { return a.balance }

// same method name on an unrelated type: never reached from Account
type Ledger struct{}

func (l *Ledger) add(x int) {}

func (l *Ledger) Balance() int { return 0 }

func main() {
	acc := &Account{}
	acc.Deposit(5)
	_ = acc.Balance()
}
