package pay

type Gateway interface {
	Charge(amount int) error
}
