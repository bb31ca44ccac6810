package app;

import util.Money;

public class Billing {
    long total(long a) {
        return Money.round(a) + util.Money.ZERO;
    }
}
