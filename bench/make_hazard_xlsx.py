"""A large hazard ledger (隐患排查治理台账) written by xlsxwriter, the way Excel stores it
(shared strings, real date cells), with a merged title row above the header.

python3 bench/make_hazard_xlsx.py OUT.xlsx [ROWS]     (default 100,000 rows, 13 columns; 责任单位 holds the demo district's town codes)
"""
import datetime
import random
import sys

import xlsxwriter

HEADER = ["序号", "排查时间", "排查人", "隐患部位", "隐患描述", "隐患等级", "整改措施", "整改期限",
          "责任部门", "整改资金（万元）", "问题来源", "责任单位", "备注"]


def main(path, rows):
    rng = random.Random(7)
    places = ["配电室", "仓库", "食堂", "锅炉房", "办公楼", "宿舍", "车间", "停车场"]
    departments = ["设备科", "后勤处", "安全科", "办公室", "动力科"]
    people = ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴芳", "郑涛"]
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("隐患台账")
    bold = wb.add_format({"bold": True, "align": "center"})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, len(HEADER) - 1, "示范区隐患排查治理台账", bold)
    ws.write_row(1, 0, HEADER)
    base = datetime.date(2020, 1, 1)
    for r in range(2, rows + 2):
        found = base + datetime.timedelta(days=rng.randrange(2000))
        ws.write_number(r, 0, r - 1)
        ws.write_datetime(r, 1, datetime.datetime.combine(found, datetime.time()), date_format)
        ws.write_string(r, 2, rng.choice(people))
        ws.write_string(r, 3, f"{rng.choice(places)}{rng.randrange(1, 20)}号")
        ws.write_string(r, 4, f"第{r - 1}项隐患：{rng.choice(places)}消防设施不完好，需要及时整改")
        ws.write_string(r, 5, "重大隐患" if rng.random() < 0.02 else "一般隐患")
        ws.write_string(r, 6, "限期整改并复查")
        ws.write_datetime(r, 7, datetime.datetime.combine(found + datetime.timedelta(days=30), datetime.time()), date_format)
        ws.write_string(r, 8, rng.choice(departments))
        ws.write_number(r, 9, round(rng.random() * 10, 2))
        ws.write_string(r, 10, rng.choice(["检查发现", "自我查摆", "督导"]))
        ws.write_string(r, 11, f"DEMO-T{rng.randrange(1, 16):02d}")
        ws.write_string(r, 12, f"第{rng.randrange(1, 40)}网格")
    wb.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
