//! Gas: NEAR's cost parameters (`parameters.snap`, protocol version 88) and the per-call
//! counter.
//!
//! The counter follows nearcore's `GasCounter::process_gas_limit`: burnt gas is capped at
//! `min(prepaid, max_gas_burnt)`, "used" gas (burnt + gas handed to created receipts) at the
//! prepaid amount; crossing `max_gas_burnt` is `GasLimitExceeded`, crossing the prepaid gas is
//! `GasExceeded` (the former wins when both are crossed). Wasm instructions are counted by
//! wasmtime fuel and folded in at every host call (see `crate::near::imports`).

use super::errors::HostError;

/// Gas units.
pub type Gas = u64;

/// 1 Tgas.
pub const TGAS: Gas = 1_000_000_000_000;
/// `max_gas_burnt`, `max_gas_burnt_view` and `max_total_prepaid_gas` (1 PGas since PV 83).
pub const MAX_GAS: Gas = 1_000 * TGAS;

/// Cost of one wasm instruction (`regular_op_cost`).
pub const REGULAR_OP_COST: Gas = 822_756;

/// Host-function costs (`ExtCosts`), by their nearcore names.
#[allow(missing_docs)]
pub mod ext {
    use super::Gas;
    pub const BASE: Gas = 264_768_111;
    pub const CONTRACT_LOADING_BASE: Gas = 35_445_963;
    pub const CONTRACT_LOADING_BYTES: Gas = 1_089_295;
    pub const READ_MEMORY_BASE: Gas = 2_609_863_200;
    pub const READ_MEMORY_BYTE: Gas = 3_801_333;
    pub const WRITE_MEMORY_BASE: Gas = 2_803_794_861;
    pub const WRITE_MEMORY_BYTE: Gas = 2_723_772;
    pub const READ_REGISTER_BASE: Gas = 2_517_165_186;
    pub const READ_REGISTER_BYTE: Gas = 98_562;
    pub const WRITE_REGISTER_BASE: Gas = 2_865_522_486;
    pub const WRITE_REGISTER_BYTE: Gas = 3_801_564;
    pub const UTF8_DECODING_BASE: Gas = 3_111_779_061;
    pub const UTF8_DECODING_BYTE: Gas = 291_580_479;
    pub const UTF16_DECODING_BASE: Gas = 3_543_313_050;
    pub const UTF16_DECODING_BYTE: Gas = 163_577_493;
    pub const LOG_BASE: Gas = 3_543_313_050;
    pub const LOG_BYTE: Gas = 13_198_791;
    pub const STORAGE_WRITE_BASE: Gas = 64_196_736_000;
    pub const STORAGE_WRITE_KEY_BYTE: Gas = 70_482_867;
    pub const STORAGE_WRITE_VALUE_BYTE: Gas = 31_018_539;
    pub const STORAGE_WRITE_EVICTED_BYTE: Gas = 32_117_307;
    pub const STORAGE_READ_BASE: Gas = 56_356_845_749;
    pub const STORAGE_READ_KEY_BYTE: Gas = 30_952_533;
    pub const STORAGE_READ_VALUE_BYTE: Gas = 5_611_004;
    pub const STORAGE_REMOVE_BASE: Gas = 53_473_030_500;
    pub const STORAGE_REMOVE_KEY_BYTE: Gas = 38_220_384;
    pub const STORAGE_REMOVE_RET_VALUE_BYTE: Gas = 11_531_556;
    pub const STORAGE_HAS_KEY_BASE: Gas = 54_039_896_625;
    pub const STORAGE_HAS_KEY_BYTE: Gas = 30_790_845;
    pub const SHA256_BASE: Gas = 4_540_970_250;
    pub const SHA256_BYTE: Gas = 24_117_351;
    pub const KECCAK256_BASE: Gas = 5_879_491_275;
    pub const KECCAK256_BYTE: Gas = 21_471_105;
    pub const KECCAK512_BASE: Gas = 5_811_388_236;
    pub const KECCAK512_BYTE: Gas = 36_649_701;
    pub const SHA3_256_BASE: Gas = 5_879_491_275;
    pub const SHA3_256_BYTE: Gas = 21_471_105;
    pub const SHA3_384_BASE: Gas = 5_811_388_236;
    pub const SHA3_384_BYTE: Gas = 36_649_701;
    pub const SHA3_512_BASE: Gas = 5_811_388_236;
    pub const SHA3_512_BYTE: Gas = 36_649_701;
    pub const RIPEMD160_BASE: Gas = 853_675_086;
    pub const RIPEMD160_BLOCK: Gas = 680_107_584;
    pub const ECRECOVER_BASE: Gas = 278_821_988_457;
    pub const ED25519_VERIFY_BASE: Gas = 210_000_000_000;
    pub const ED25519_VERIFY_BYTE: Gas = 9_000_000;
    pub const ML_DSA_VERIFY_BASE: Gas = 540_000_000_000;
    pub const ML_DSA_VERIFY_BYTE: Gas = 11_000_000;
    pub const P256_VERIFY_BASE: Gas = 1_300_000_000_000;
    pub const P256_VERIFY_BYTE: Gas = 13_000_000;
    pub const ALT_BN128_G1_MULTIEXP_BASE: Gas = 713_000_000_000;
    pub const ALT_BN128_G1_MULTIEXP_ELEMENT: Gas = 320_000_000_000;
    pub const ALT_BN128_G1_SUM_BASE: Gas = 3_000_000_000;
    pub const ALT_BN128_G1_SUM_ELEMENT: Gas = 5_000_000_000;
    pub const ALT_BN128_PAIRING_CHECK_BASE: Gas = 9_686_000_000_000;
    pub const ALT_BN128_PAIRING_CHECK_ELEMENT: Gas = 5_102_000_000_000;
    pub const BLS12381_P1_SUM_BASE: Gas = 16_500_000_000;
    pub const BLS12381_P1_SUM_ELEMENT: Gas = 6_000_000_000;
    pub const BLS12381_P2_SUM_BASE: Gas = 18_600_000_000;
    pub const BLS12381_P2_SUM_ELEMENT: Gas = 15_000_000_000;
    pub const BLS12381_G1_MULTIEXP_BASE: Gas = 16_500_000_000;
    pub const BLS12381_G1_MULTIEXP_ELEMENT: Gas = 930_000_000_000;
    pub const BLS12381_G2_MULTIEXP_BASE: Gas = 18_600_000_000;
    pub const BLS12381_G2_MULTIEXP_ELEMENT: Gas = 1_995_000_000_000;
    pub const BLS12381_MAP_FP_TO_G1_BASE: Gas = 1_500_000_000;
    pub const BLS12381_MAP_FP_TO_G1_ELEMENT: Gas = 252_000_000_000;
    pub const BLS12381_MAP_FP2_TO_G2_BASE: Gas = 1_500_000_000;
    pub const BLS12381_MAP_FP2_TO_G2_ELEMENT: Gas = 900_000_000_000;
    pub const BLS12381_PAIRING_BASE: Gas = 2_130_000_000_000;
    pub const BLS12381_PAIRING_ELEMENT: Gas = 2_130_000_000_000;
    pub const BLS12381_P1_DECOMPRESS_BASE: Gas = 15_000_000_000;
    pub const BLS12381_P1_DECOMPRESS_ELEMENT: Gas = 81_000_000_000;
    pub const BLS12381_P2_DECOMPRESS_BASE: Gas = 15_000_000_000;
    pub const BLS12381_P2_DECOMPRESS_ELEMENT: Gas = 165_000_000_000;
    pub const PROMISE_AND_BASE: Gas = 1_465_013_400;
    pub const PROMISE_AND_PER_PROMISE: Gas = 5_452_176;
    pub const PROMISE_RETURN: Gas = 560_152_386;
    pub const VALIDATOR_STAKE_BASE: Gas = 911_834_726_400;
    pub const VALIDATOR_TOTAL_STAKE_BASE: Gas = 911_834_726_400;
}

/// Action and receipt fees: `(send_sir, send_not_sir, execution)`.
#[allow(missing_docs)]
pub mod fees {
    use super::Gas;
    pub type Fee = (Gas, Gas, Gas);
    pub const ACTION_RECEIPT_CREATION: Fee = (108_059_500_000, 108_059_500_000, 108_059_500_000);
    pub const DATA_RECEIPT_CREATION_BASE: Fee = (36_486_732_312, 36_486_732_312, 36_486_732_312);
    pub const DATA_RECEIPT_CREATION_PER_BYTE: Fee = (17_212_011, 47_683_715, 17_212_011);
    pub const FUNCTION_CALL: Fee = (200_000_000_000, 200_000_000_000, 780_000_000_000);
    pub const FUNCTION_CALL_PER_BYTE: Fee = (2_235_934, 47_683_715, 2_235_934);
    pub const TRANSFER: Fee = (115_123_062_500, 115_123_062_500, 115_123_062_500);
    pub const CREATE_ACCOUNT: Fee = (500_000_000_000, 500_000_000_000, 7_200_000_000_000);
    pub const DEPLOY_CONTRACT: Fee = (184_765_750_000, 184_765_750_000, 184_765_750_000);
    pub const DEPLOY_CONTRACT_PER_BYTE: Fee = (6_812_999, 47_683_715, 64_572_944);
    pub const DEPLOY_GLOBAL_CONTRACT: Fee = (184_765_750_000, 184_765_750_000, 184_765_750_000);
    pub const DEPLOY_GLOBAL_CONTRACT_PER_BYTE: Fee = (6_812_999, 47_683_715, 70_000_000);
    pub const USE_GLOBAL_CONTRACT: Fee = (184_765_750_000, 184_765_750_000, 184_765_750_000);
    pub const USE_GLOBAL_CONTRACT_PER_BYTE: Fee = (6_812_999, 47_683_715, 64_572_944);
    pub const ADD_FULL_ACCESS_KEY: Fee = (101_765_125_000, 101_765_125_000, 101_765_125_000);
    pub const ADD_FUNCTION_CALL_KEY: Fee = (102_217_625_000, 102_217_625_000, 102_217_625_000);
    pub const ADD_FUNCTION_CALL_KEY_PER_BYTE: Fee = (1_925_331, 47_683_715, 1_925_331);
    pub const DELETE_KEY: Fee = (94_946_625_000, 94_946_625_000, 94_946_625_000);
    pub const DELETE_ACCOUNT: Fee = (147_489_000_000, 147_489_000_000, 147_489_000_000);
    pub const STAKE: Fee = (141_715_687_500, 141_715_687_500, 102_217_625_000);
}

/// The gas of one execution.
#[derive(Debug, Clone)]
pub struct GasCounter {
    burnt: Gas,
    /// Gas handed to created receipts (their execution fees and attached gas).
    promises: Gas,
    prepaid: Gas,
    max_burnt: Gas,
    is_view: bool,
}

impl GasCounter {
    /// A counter for a call with `prepaid` gas (views get `MAX_GAS`, as nearcore gives them).
    pub fn new(prepaid: Gas, is_view: bool) -> Self {
        let prepaid = if is_view { MAX_GAS } else { prepaid };
        GasCounter {
            burnt: 0,
            promises: 0,
            prepaid,
            max_burnt: MAX_GAS,
            is_view,
        }
    }

    /// Gas burnt so far.
    pub fn burnt(&self) -> Gas {
        self.burnt
    }

    /// Burnt gas plus gas given to receipts.
    pub fn used(&self) -> Gas {
        self.burnt.saturating_add(self.promises)
    }

    /// The prepaid gas.
    pub fn prepaid(&self) -> Gas {
        self.prepaid
    }

    /// How much more can be burnt before an error.
    pub fn remaining_burnable(&self) -> Gas {
        let by_burnt = self.prepaid.min(self.max_burnt).saturating_sub(self.burnt);
        by_burnt.min(self.prepaid.saturating_sub(self.used()))
    }

    /// Burns `gas`.
    pub fn burn(&mut self, gas: Gas) -> Result<(), HostError> {
        self.update(gas, gas)
    }

    /// Burns `cost * n` (overflow is a limit error, never a wrap).
    pub fn pay_per(&mut self, cost: Gas, n: u64) -> Result<(), HostError> {
        self.burn(cost.saturating_mul(n))
    }

    /// Burns `burn` and reserves `use_` more for receipts (e.g. a receipt's execution fee or
    /// the gas attached to a function call).
    pub fn pay_action(&mut self, burn: Gas, use_: Gas) -> Result<(), HostError> {
        self.update(burn, burn.saturating_add(use_))
    }

    /// Marks all burnable gas as burnt (fuel ran out) and returns the matching error.
    pub fn exhaust(&mut self) -> HostError {
        // One unit past what may be burnt crosses exactly the limit nearcore would report.
        let over = self.remaining_burnable().saturating_add(1);
        self.update(over, over)
            .err()
            .unwrap_or(HostError::GasLimitExceeded)
    }

    fn update(&mut self, burn: Gas, use_: Gas) -> Result<(), HostError> {
        let new_burnt = self.burnt.saturating_add(burn);
        let new_used = self.used().saturating_add(use_);
        let hard_burnt = self.prepaid.min(self.max_burnt);
        self.burnt = new_burnt.min(hard_burnt);
        let hard_used = if self.is_view {
            hard_burnt
        } else {
            self.prepaid
        };
        self.promises = new_used.min(hard_used).saturating_sub(self.burnt);
        if new_burnt > self.max_burnt {
            Err(HostError::GasLimitExceeded)
        } else if new_used > self.prepaid {
            Err(HostError::GasExceeded)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_named_as_nearcore_names_them() {
        let mut g = GasCounter::new(300 * TGAS, false);
        assert_eq!(g.burn(299 * TGAS), Ok(()));
        assert_eq!(g.burn(2 * TGAS), Err(HostError::GasExceeded));
        assert_eq!(g.burnt(), 300 * TGAS);
        let mut g = GasCounter::new(MAX_GAS, false);
        assert_eq!(g.exhaust(), HostError::GasLimitExceeded);
        assert_eq!(g.burnt(), MAX_GAS);
        let mut g = GasCounter::new(300 * TGAS, false);
        assert_eq!(g.exhaust(), HostError::GasExceeded);
        assert_eq!(g.burnt(), 300 * TGAS);
    }

    #[test]
    fn attached_gas_counts_as_used_not_burnt() {
        let mut g = GasCounter::new(10 * TGAS, false);
        assert_eq!(g.pay_action(TGAS, 5 * TGAS), Ok(()));
        assert_eq!((g.burnt(), g.used()), (TGAS, 6 * TGAS));
        assert_eq!(g.pay_action(0, 5 * TGAS), Err(HostError::GasExceeded));
    }
}
