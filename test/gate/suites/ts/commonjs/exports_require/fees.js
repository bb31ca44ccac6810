function base(x) {
  return x * 2;
}
module.exports.fee = function (x) {
  return base(x) + 1;
};
exports.waive = function (x) {
  return 0;
};
