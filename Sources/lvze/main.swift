import Foundation
import LvzeDemo
import LvzeServer

exit(await LvzeMain.run(demo: DemoLoader()))
