import Foundation
import LvzeServer

exit(await LvzeMain.run())
