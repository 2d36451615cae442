"""断卡 (card crackdown), bank-account side: mule-account screening over transfers, punishment lists
(惩戒名单) with appeals and expiry, and the account-opening check. SIM cards live in ``qiandai.simcards``."""
