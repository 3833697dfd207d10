import LvzeCore
