package app;

import static util.MathUtil.square;
import static util.Strings.*;

public class Main {
    int run(int x) {
        return square(x) + shout("a").length();
    }
}
