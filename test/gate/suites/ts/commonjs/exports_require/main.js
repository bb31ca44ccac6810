const fees = require('./fees');
const fee = require('./fees').fee;
function charge(x) {
  return fees.waive(x) + fee(x);
}
module.exports = { charge };
