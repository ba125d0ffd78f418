"""Common given names in Belgium, the Netherlands and England (lower case), for the name detector.

A given name followed by a capitalised word is taken for a person's name. Names that are also
ordinary capitalised words in one of the three languages (Will, May, June, April, Grace, Hope,
Rose, Art, Ward) are left out: they would make every sentence that starts with them suspect.
A municipality may add the names common among its residents.
"""

_DUTCH = """
aaron adam adrian albert alexander ali amber amelie anke ann anna anne annelies annemie anouk arne arno
astrid axel bart ben bert bjorn bram brecht caroline carine charlotte chantal chris christa christine
christophe daan dani daniel danny david dennis dieter dirk dominique dries eddy eline elise ellen els
emma erik evelien eva evi femke fien filip frank frans freek freya gert geert gerrit gilles greet
guido hanne hans hendrik henk herman hilde ilse inge ingrid iris jan jana jasper jef jelle jens jeroen
jesse joke joost joris jos jozef julie jurgen karel karin katrien kevin kim klaas koen kris kristof
lars laura lien lies lieve lisa lotte luc lucas lukas maarten manon marc marieke marijke mark marleen
martine maxime mieke milan nathalie nele niels noor nora peter pieter raf ruben rik rob robin roel
ronny rudi ruth sander sanne sara sarah sem seppe sien simon sofie sophie stan stefan steven stijn
sven tim tine tom tomas toon vera wendy wim wouter yannick yves jolien joyce kaat leen lode lore
marthe mathias michiel nick pieterjan reinhilde renaat rita roos staf tinne tuur warre wannes xander
jaap kees willem henk gerard johan johannes cornelis theo joop bas thijs sjoerd hidde teun lieke
fleur isa noa tess yara zoë lynn evy elien hannelore jorne lowie
"""

_FRENCH = """
adrien agnès alain alexandre alexis alice amandine andré anne-sophie annie antoine arnaud arthur
aurélie baptiste benoît bernard brigitte bruno camille carole catherine cécile céline chantal
charles chloé christian christiane christophe claire claude clément colette corinne damien daniel
danielle delphine denis didier dominique édouard élise élodie émile émilie emma éric étienne
fabien fabienne florence françois françoise frédéric gabriel gaël geneviève georges gérard gilles
guillaume guy hélène henri hugo inès isabelle jacqueline jacques jean jeanne jérôme joël josé julie
julien juliette justine laetitia laurence laurent léa léon léonie lionel louis louise luc lucie
madeleine manon marc marcel margaux marguerite marie marine martine mathieu mathilde matthieu maxime
michel michèle monique nadine nathalie nicolas nicole noémie olivier pascal pascale patrice patricia
patrick paul pauline philippe pierre quentin raphaël rémi renée robert roger romain sabine samuel
sandrine sébastien serge simone sophie stéphane stéphanie suzanne sylvie théo thérèse thibault
thierry thomas valérie véronique victor vincent virginie xavier yves yvette zoé jean-pierre
jean-luc jean-marc jean-paul marie-claire marie-christine anne-marie
"""

_ENGLISH = """
aaron abigail adam alan albert alexander alfie alice alison amanda amelia amy andrew angela ann anna
anne anthony archie arthur ashley barbara benjamin betty brandon brenda brian carol caroline charles
charlie charlotte chloe christopher claire colin craig daniel david deborah dennis donald donna
dorothy edward eleanor elizabeth ella emily emma eric ethan evie fiona frances freddie gary gemma
george graham gregory hannah harriet harry heather helen henry isabella isla jack jacob james jane
janet jason jennifer jessica joan john jonathan joseph joshua joyce julia julie justin karen
katherine kathleen kenneth kevin kimberly laura lauren leo lily linda lisa louise lucy margaret
maria martin mary matthew megan melissa michael michelle nancy natalie nicholas nicola nigel noah
oliver olivia oscar pamela patricia patrick paul pauline peter philip rachel raymond rebecca richard
robert ronald ruby ryan samantha samuel sandra sarah scott sharon shirley simon sophia sophie stephen
steven stuart susan thomas timothy tyler victoria william zoe harriet imogen jasmine phoebe poppy
"""

_ARABIC_TURKISH_OTHER = """
abdel abdelkader abdellah abdullah ahmed ahmet aicha aisha ali amina anas ayoub ayse aya bilal
burak deniz elif emre esra fatima fatma farid hamza hassan hatice hicham hind hüseyin ibrahim
ilyas imane ismail jamal kaoutar karim khadija leila malika mariam meryem mehmet mohamed mohammed
muhammad mustafa nadia naima nour omar rachid rania salma samira sanae soufiane souad yasmina
yassin yassine youssef yusuf zakaria zeynep zineb piotr katarzyna agnieszka tomasz andrzej
"""

GIVEN_NAMES = frozenset(" ".join((_DUTCH, _FRENCH, _ENGLISH, _ARABIC_TURKISH_OTHER)).split())
