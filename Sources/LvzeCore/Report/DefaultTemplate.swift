extension ReportTemplate {
    /// The built-in template: the district committee's annual report on its four
    /// responsibility systems (述职报告), after the structure and wording of the reference
    /// report, every figure bound to its metric id (`report-figures.md`) and every name to a
    /// setting or a name list. The settings are neutral demonstration values to be replaced.
    public static let defaultText = """
    # 区委年度抓基层党建、落实党风廉政建设主体责任、意识形态工作和安全生产责任制情况报告（内置模板）
    #
    # 写法：
    #   以 # 开头的行是注释；空行不计；其余每一行是一段。
    #   以「一、」开头的行是一级标题，以「（一）」开头的行是二级标题。
    #   {{指标编号}} 填入由台账计算的数字；{{指标编号|change}} 写作「下降12.5%」「上升8.0%」「持平」；
    #   {{名单指标|names:3}} 最多列出3个名字；{{claim:结论编号}} 写出须由数据支撑的结论，数据不支撑时报告中标出；
    #   {{设置名}} 填入下面 %set 的文字，{{report.year}} 由系统按报告年度填写。
    #   没有数据的数字显示为「【无数据】」，不会显示为0。

    %title 中共{{district.name}}委员会{{report.year}}年度抓基层党建、落实党风廉政建设主体责任、意识形态工作和安全生产责任制情况报告

    # 名称类设置（演示值，请按本区实际修改）
    %set district.name = 示范区
    %set city.name = 示范市
    %set party.review.by = 市委
    %set party.flagship_project = 党建引领温暖治理
    %set district.name.system_label = 1+N
    %set city.talent_programme = 英才计划
    %set integrity.praised_by = 省纪委主要负责同志
    %set ideology.media_app = 融媒
    %set ideology.video_archive = 乡土记忆
    %set ideology.partner_programme = 《乡村好物》
    %set ideology.data_platform = 大数据舆情平台
    %set safety.key_enterprises = 示范化工有限公司、示范食品有限公司
    # 安全整治集中攻坚行动：须与「专项整治行动」台账中的行动名称一致，相关投入、拆违、消防数字按此筛选
    %set safety.campaign = 纺织园安全整治集中攻坚

    %names 10

    根据市委要求，现将{{district.name}}委{{report.year}}年度抓基层党建工作、落实党风廉政建设主体责任、意识形态工作和安全生产责任制情况汇报如下：

    一、扛稳政治责任，夯实全面从严治党基层基础
    坚持以新时代党的建设总要求为根本遵循，认真贯彻执行省基层党建“五聚焦五落实”行动计划，突出强根铸魂、守正创新、融合提效，把基层党组织锻造得更加坚强。
    一是坚持知行合一，以新思想领航定向。明确{{party.measures.theme_education}}项举措巩固拓展主题教育成果，精心打造{{party.teaching_sites.count}}处党员干部教育现场教学点，征集{{party.courses.collected}}个党课精品课程，先后举办干部培训班{{party.training_classes.count}}期，持续强化党员干部理论武装。针对{{party.review.by}}点评和区委常委班子自我查摆的{{party.rectification.review_and_self}}项问题，系统制定整改方案，实现{{claim:party.rectification.review_and_self.cleared}}。
    二是坚持融会贯通，以新路径提质增效。围绕全面打赢疫情防控阻击战，成立{{party.temp_orgs.created}}个临时党组织、{{party.commando_teams.count}}个党员突击队，{{party.deployments.people}}余名党员干部下沉村居，制定激励关爱疫情防控一线党员干部九项措施，切实筑牢“红色屏障”，涌现出{{party.honors.names|names:3}}等一批国家、省、市先进典型。实施“{{party.flagship_project}}”区委书记党建项目和{{party.secretary_projects.grassroots}}个基层党（工）委书记党建项目，建立“党建引领”模式，形成{{party.secretary_projects.standards}}条标准参考体系，被《中国组织人事报》宣传报道。在{{party.village_reform.villages}}个村实施“党建引领、集成振兴”改革，整合资金近{{party.village_reform.funds}}万元，统筹调动组织、产业、人才等发展要素，全面助力美丽乡村建设，在全省抓党建促决战脱贫攻坚会议上作经验交流。
    三是坚持精准发力，以新举措强基固本。建立村（社区）干部“双专”建设“{{district.name.system_label}}”制度体系，选拔{{party.cadres.veterans_selected}}名退役军人赴村工作，招录{{party.cadres.town_hired}}名“镇聘村官”，多方联审{{party.vetting.people}}人，排查违法违纪等情形{{party.vetting.flagged}}人，村（社区）书记平均年龄降至{{party.village_secretaries.avg_age}}岁，大专以上学历占比达{{party.village_secretaries.college_share}}%，各项指标均符合换届要求。制定党支部标准化建设评价办法，转化{{party.backward_orgs.transformed}}个后进镇党委、{{party.weak_orgs.transformed}}个软弱涣散村级党组织，提档{{party.venues.upgraded}}个村级组织阵地，开展“两新”组织党建“集中攻坚月”行动，推动“两个覆盖”到边到底。设立{{party.center_households.count}}个“党员中心户”，划分{{party.responsibility_zones.count}}万余个党员责任区，制定机关党员学习日制度，全面激活党员“红色动能”。
    四是坚持引育并举，以新视野集聚人才。院士工作站通过省复核，新增国家高新技术企业{{party.talent.hightech_new}}家，获批市级工程技术研究中心和企业技术中心{{party.talent.rd_centers}}家。入选省“双创人才”{{party.talent.shuangchuang}}人，省“三带”乡土人才{{party.talent.sandai}}人，其中{{party.honors.national_model}}获评“全国先进工作者”；申报市“{{city.talent_programme}}”创新创业团队和人才项目{{party.talent.applications}}个，急需人才{{party.talent.urgent_people}}人。组建{{party.talent.tech_mayor_groups}}批科技镇长团，协助企业申报专利{{party.talent.patents}}项，合作建立研发平台{{party.talent.rd_platforms}}个。
    一年来，全区基层党建工作取得显著成效，但也还存在一些问题：一是党建典型培育工作还需进一步加强，示范创建工作的系统性、集成性有待提升。二是党建资源整合力度还需进一步加大，不同领域党组织统筹联动机制有待完善。三是企业引才用才主体作用还需进一步发挥，企业科技创新的内生动力不足，核心技术相对缺乏。
    下一步，我们将深入贯彻落实党的二十大精神，推动基层党建工作上新台阶。
    一是在党建品牌做精做深上下功夫，建立健全党建品牌培育机制，全力提升品牌向心力、影响力和美誉度。
    二是在党建资源共创共享上下功夫，完善统筹联动工作体系，加快形成组织全覆盖、工作区域化、活动开放式的党建新格局。
    三是在产才融合互动互促上下功夫，坚持聚焦产业、聚力创新、聚集人才，不断凝聚人才工作合力、提升科技创新质效。

    二、持续正风肃纪，直击全面从严治党要点要害
    紧紧抓住党风廉政建设，持之以恒改进作风，坚定不移惩治腐败，不断营造风清气正的政治生态。
    一是坚持政治引领，突出担当作为。坚决落实中央和省、市委重大决策部署，以实际行动践行“两个维护”。紧盯“三大攻坚战”，全区{{integrity.poverty.villages}}个低收入村和经济薄弱村年收入达{{integrity.poverty.min_income}}万元以上，打造全省普惠金融试点样板区，助力产业扶贫，发放普惠金融贷款{{integrity.loans.amount}}万元，实现阶段性收益{{integrity.loans.returns}}万元，相关低收入户户均增收{{integrity.loans.household_gain}}万元，得到了{{integrity.praised_by}}的充分肯定，人民网专访推介；生态环境持续向好；政府债务风险总体可控。全面落实稳企惠民政策，搭建“亲清双月谈”平台，创新经济“网格化”服务管理，开展“六稳”“六保”专项巡察，相关做法被《中国纪检监察报》头版刊发推介。
    二是坚持责任引领，突出从严治党。制定出台《中共{{district.name}}委{{report.year}}年度全面从严治党主体责任清单》，区委常委会全年{{integrity.meetings.standing_committee}}次专题研究党风廉政建设，上报集体履责信息{{integrity.fulfilment.collective}}条、班子成员履责信息{{integrity.fulfilment.members}}条。深化完善“明责、督责、考责、问责”责任传导机制，印发专题通报{{integrity.circulars.thematic}}期，对{{integrity.accountability.orgs}}家党组织、{{integrity.accountability.people}}名党员干部予以问责。
    三是坚持纪律引领，突出民生保障。坚持反腐力度不减、节奏不变、尺度不松，全年处置问题线索{{integrity.clues.disposed}}条，精准运用“四种形态”处理干部{{integrity.four_forms.total}}人次。聚焦民政、教育、医疗、住房等重点民生领域突出问题开展专项治理，推动化解问题楼盘{{integrity.livelihood.housing}}个，加快建设农房改善项目{{integrity.livelihood.rural_housing}}个，治理城区幼儿园{{integrity.livelihood.kindergartens}}所，建立健全制度{{integrity.livelihood.rules}}项，查处群众身边的腐败和不正之风问题{{integrity.cases.grassroots}}起，给予党纪政务处分{{integrity.cases.grassroots_sanctions}}人次，相关做法被省纪委专刊推介。
    四是坚持作风引领，突出实干争先。驰而不息纠“四风”、树新风，实施作风攻坚专项行动，建立红旗激励、黄牌预警“双向”工作机制，查纠不作为、慢作为、乱作为、假作为问题{{integrity.conduct.inaction}}人次，印发通报{{integrity.circulars.conduct}}期。紧盯中央八项规定精神贯彻落实，查处“四风”问题{{integrity.four_winds.cases}}起，处理党员干部{{integrity.four_winds.people}}人，印发通报{{integrity.circulars.four_winds}}期，相关案例被《中国纪检监察报》采用。实施容错纠错{{integrity.fault_tolerance.cases}}起{{integrity.fault_tolerance.people}}人，为{{integrity.clearances.people}}名反映失实党员干部澄清正名，对{{integrity.revisits.people}}名受处分人员实施回访。
    五是坚持问题引领，突出整改落实。围绕省市委全面从严治党述职评议点评意见，制定出台整改方案，相关整改措施已全面落实到位。{{integrity.env_inspection.total}}个中央、省环保督察反馈问题，已整改销号{{integrity.env_inspection.closed}}个，上报申请待销号{{integrity.env_inspection.pending_closure}}个，剩余{{integrity.env_inspection.in_progress}}个问题正在{{claim:integrity.env_inspection.on_schedule}}整改中，针对整改工作中推诿扯皮、履职不力问题，党纪处分{{integrity.rectification.sanctions}}人。
    六是坚持质效引领，突出巡察为民。区委常委会{{integrity.meetings.inspection_study}}次专题学习贯彻中央和省、市委关于巡视巡察工作部署要求，我本人多次采取“四不两直”方式调研督查问题整改，省委乡村振兴战略专项巡视反馈问题已全部完成整改，市委{{integrity.inspections.elevated_rounds}}次提级巡察反馈问题{{claim:integrity.inspections.ahead_of_schedule}}。开展“人民满意巡察”创建活动，对{{integrity.inspection_revisits.units}}个单位巡察反馈问题整改开展回访督查，群众整改满意度均达{{integrity.inspection_revisits.min_satisfaction}}%以上，相关做法被《中国纪检监察报》头版推介。
    但同时还存在“四风”问题仍未杜绝、农村基层违纪违法问题存量仍有、“不想腐”的自觉尚未形成等问题。下一步，我们将进一步强化责任落实，持续优化党风政风。
    一是与时俱进拓宽监督渠道。坚持“四项监督”统筹衔接，着力查处不作为慢作为乱作为假作为问题，运用信息技术手段，深挖隐形变异“四风”问题。
    二是直击末梢强化基层监督。严格落实市委《关于加强党内同级监督的暂行办法》，发挥好村级监督力量“三合一”作用，打通责任落实“最后一公里”。
    三是创新举措一体推进“三不”。建立指挥协调、研判决策、执行督办、考核评估四项机制，打造一体推进“三不”先行区，为建设“廉洁{{city.name}}”贡献{{district.name}}力量。

    三、筑牢思想防线，把牢全面从严治党导引导向
    全面落实习近平总书记关于意识形态工作的系列指示和重要讲话精神，始终坚持党管意识形态原则，牢牢把握意识形态话语权和主动权。
    一是强化组织领导，夯实工作基础。区委把意识形态工作纳入全区工作总体布局，制发《区委常委意识形态工作责任清单》《{{report.year}}年全区意识形态工作要点》《{{report.year}}年度全区意识形态工作考评实施细则》《{{district.name}}维护意识形态安全专项行动应急预案》等文件，将党委（党组）主体责任、分管领导“直接责任”、班子成员“一岗双责”、部门职责细化为一项项具体可行的工作内容，用严密制度体系保障责任落实。全覆盖意识形态检查巡察体系，严格落实属地管理、分级负责和谁主管谁负责原则，定期开展意识形态工作责任制落实情况巡察监督。
    二是壮大主流舆论，拓宽工作渠道。围绕《习近平谈治国理政》第三卷等主题，规范化进行党委（党组）中心组学习，充分发挥新时代文明实践中心（所、站）、新思想通俗理论作品创排中心等特色优势，开展党的十九届五中全会精神宣讲，高质量完成年度基层党员冬训工作，创新打造终身学习品牌。“学习强国”多项数据在全市领先，在县（市、区）委宣传部长会议上作经验交流。区融媒体中心建设获省级验收组好评，打造{{ideology.media_app}}APP客户端品牌，全媒体新闻宣传成效明显，启动《{{ideology.video_archive}}》影像数据库项目第二季拍摄工作，全年在中央、省、市主流新闻媒体用稿{{ideology.media.placements}}余篇（条），全市首家与省广电总台{{ideology.partner_programme}}栏目合作，走进经济薄弱村，为特色农产品带货。
    三是加强阵地管理，规范工作平台。把党管意识形态落实到阵地建设之中，确保意识形态领域的绝对安全，印发《关于进一步加强对论坛、讲坛、讲座、年会、报告会、研讨会等阵地管理的实施意见》，及时做好报备工作。推动全区{{ideology.practice.stations_upgraded}}个新时代文明实践所、{{ideology.practice.posts_upgraded}}个新时代文明实践站提档升级，新建{{ideology.practice.points_new}}个新时代文明实践点，全区阵地建设、队伍建设、活动开展全域覆盖，实现服务群众“零距离”。持续保持“扫黄打非”高压态势，检查出版物及印刷企业{{ideology.publications.inspections}}余家（次），查处办结行政案件{{ideology.publications.cases_closed}}起。出台《{{district.name}}宗教团体及宗教场所重大事项请示报告制度》，对宗教团体及宗教场所人、财、物、宗教活动等进行全面监管。
    四是健全处置机制，牢牢掌握工作主动权。做好意识形态领域分析研判工作，及时评估，制定预案，加强网络舆情监测、引导和处置，定期召开新闻网信工作“双月谈”。加大{{ideology.data_platform}}、市级应急指挥平台运用，按时开展网络风险隐患排查及网络风险评估工作，处置各类网络舆情{{ideology.online.handled}}条。
    但同时，还存在一些问题：一是基层意识形态工作责任制要进一步压实。二是意识形态阵地管建水平要进一步提升。三是弘扬网络正能量手段要进一步丰富。
    下一步，我们将解放思想、对标找差，不断提升意识形态工作能力水平。
    一是压实主体责任，健全工作体系。加大对基层党（工）委意识形态工作责任制落实情况督查力度，层层抓落实，形成齐抓共管的工作格局。
    二是强化阵地管理，夯实核心基础。依托新时代文明实践中心（所、站），创新方式方法，不断提升引领力。
    三是聚焦网络宣传，提升引领能力。加大对网络正能量宣传的投入，多创作精品力作，让优秀传统文化充盈网络空间，引导网络正能量。

    四、紧绷安全之弦，全面履行安全生产“一岗双责”
    严格按照习近平总书记对安全生产工作“两个不放松”和“务必整出成效”的总要求，牢固树立新发展理念，全面落实党政领导干部安全生产责任，{{report.year}}年全区共发生生产安全事故{{safety.accidents.count}}起、死亡{{safety.accidents.deaths}}人，同比{{safety.accidents.yoy_decline|change}}，{{claim:safety.accidents.no_major}}。
    一是提高站位抓责任落实。深入学习习近平总书记关于安全生产的重要论述和指示批示精神，统筹考量和系统谋划安全管理，区委常委会{{safety.meetings.standing_committee}}次专题研究安全生产工作，区委中心组{{safety.meetings.central_group}}次专题学习安全生产工作。建立区四套班子领导安全生产挂钩包片制度，出台进一步加强安全生产工作实施意见、党政领导班子成员安全生产重点工作清单，以及区级部门和驻区单位安全生产职责清单等文件，进一步完善安全生产责任体系。
    二是聚焦重点抓联动推进。坚持重点重抓，重大节日、重点时段带队检查重点企业、建筑工地和旅游景区等重大风险点，强化道路交通、建筑施工、危险化学品、消防、烟花爆竹、旅游等行业领域安全监管，一线督促推动{{safety.key_enterprises}}等重点企业安全隐患整改，消除重大危险源，提升企业本质安全水平。带头到镇街开展“百团进百万企业”安全生产专题宣讲，推动区、镇领导干部分别到基层和企业一线开展专题宣讲，推动安全生产全员参与、安全整改上下联动，切实筑牢安全生产防线。
    三是紧盯问题抓专项整治。全面推进重点行业领域专项整治“一年小灶”，聚焦安全生产重点区域、重点行业、重点领域，出台全区“1+30”专项整治方案，深入开展大排查、大整改行动，全年对{{safety.inspections.enterprises}}个生产经营单位开展了执法检查，共查出隐患{{safety.hazards.found}}条、整改{{safety.hazards.rectified}}条，责令停产整顿{{safety.orders.suspended_enterprises}}家，做到排查全覆盖、整改零遗漏、管控无真空。针对国务院和省市督导交办{{district.name}}的{{safety.supervision.items}}项问题隐患，逐一制定问题清单、细化整改方案，{{claim:safety.supervision.all_rectified}}，确保交办问题隐患“清零见底”。累计投入近{{safety.campaigns.investment}}万元，开展{{safety.campaign}}行动，园区内“三合一”场所全面清零，拆除违章建筑{{safety.campaigns.demolished_area}}万平方米，安装消火栓、消防喷淋{{safety.campaigns.fire_equipment}}套，完善消防设施{{safety.campaigns.facilities}}个，得到国务院和省市督导组充分肯定。
    四是强化保障抓基础压实。落实安全生产监管职责强化机构编制保障，实现区安委办实体化运行，区级部门和单位安全科室设置实现全覆盖，保证区应急系统“按编满岗”。加快推进安全生产示范城市创建，累计投入{{safety.demo_city.investment}}万元，全面启用省安全生产执法平台，启动建设区级应急指挥中心，足额保障监管执法经费、车辆等需要，提高安全信息化水平。组织开展“安全生产月”“6.16安全生产宣传咨询日”等活动，坚持办好每月一期的《安全生产简报》和《安全视界》，强化安全宣教培训，提升全民安全素质。
    一年来，全区安全生产形势稳定向好，但也还存在一些问题：一是安全生产监管责任还需进一步压实，镇街安全生产监管的强度还不够均衡。二是企业安全生产主体责任需要进一步强化，中小企业安全意识仍需加强。
    下一步，我们将全面做好安全生产工作，全面提升安全生产管控质量。
    一是围绕责任抓系统落实。深入学习习近平总书记关于安全生产的重要论述和指示批示精神，做到安全与生产经营同规划、同部署、同落实。
    二是围绕问题抓整治攻坚。全力做好“一年小灶”和“三年大灶”有效衔接，重点推动实施“1+2+8”方案体系。
    三是围绕长效抓机制建设。全面推动企业落实安全生产主体责任，加强安全生产源头防控，健全企业安全生产双重预防机制，确保全区安全生产形势持续稳定。
    """
}
